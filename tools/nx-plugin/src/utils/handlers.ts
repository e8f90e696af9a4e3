import { join, posix } from 'node:path';
import { logger, type Tree } from '@nx/devkit';
import { contractSamples, type ContractInfo } from './contracts.js';
import { generateNewFiles, refuseExisting } from './files.js';
import { assertKebab, pascalCase } from './names.js';
import { assertMayHandle, harnessEnv, registerHandler, type ServiceSource } from './services.js';

/** What {@link addHandler} needs. */
export interface NewHandler {
  readonly service: ServiceSource;
  readonly contract: ContractInfo;
  /** Kebab file name of the handler; `handle-<contract>` (`answer-<contract>` for a query) by default. */
  readonly name?: string | undefined;
}

/** What {@link addHandler} wrote. */
export interface AddedHandler {
  readonly className: string;
  readonly file: string;
  readonly spec: string;
  /** Set when no sample payload could be derived from the schema: the spec needs one filled in. */
  readonly incompleteSample: string | undefined;
}

const templates = join(import.meta.dirname, '../generators/handler/files');

/** The default kebab file name of a contract's handler: `handle-order-placed`, `answer-get-v2`. */
export function defaultHandlerName(contract: ContractInfo): string {
  const verb = contract.kind === 'query' ? 'answer' : 'handle';
  return `${verb}-${contract.local}${contract.version > 1 ? `-v${contract.version}` : ''}`;
}

/**
 * Adds a handler class of a contract to a service (`src/handlers/<name>.ts`), a spec that runs it on the test
 * harness, and its registration in `defineService`. Refuses what the SDK would refuse at start: a command or
 * query of another owner, a contract handled twice.
 */
export function addHandler(tree: Tree, options: NewHandler): AddedHandler {
  const { service, contract } = options;
  assertMayHandle(service, contract);
  const fileName = options.name ?? defaultHandlerName(contract);
  assertKebab(fileName, 'The handler name', 'handle-order-placed');
  const className = pascalCase(fileName);
  const directory = posix.join(posix.dirname(service.file), 'handlers');
  const file = `${directory}/${fileName}.ts`;
  const spec = `${directory}/${fileName}.spec.ts`;
  refuseExisting(tree, [file, spec]);
  // Register first: it refuses a contract the service already handles before any file is written.
  registerHandler(tree, service, { contract, className, importPath: `./handlers/${fileName}.js` });

  const samples = contractSamples(tree, contract);
  const incompleteSample = samples.reasons.length > 0 ? samples.reasons.join('; ') : undefined;
  if (incompleteSample) {
    logger.warn(
      `Could not derive a sample ${contract.symbol} from its schema (${incompleteSample}): fill one in ${spec}.`,
    );
  }
  const env = harnessEnv(tree, service);
  const envEntries = Object.keys(env).map((key) => `${key}: '0'`);
  const serviceModule = posix.relative(directory, service.file).replace(/\.ts$/, '.js');
  generateNewFiles(tree, templates, directory, {
    ...contract,
    fileName,
    className,
    handlerType: { event: 'EventHandler', command: 'CommandHandler', query: 'QueryHandler' }[contract.kind],
    sampleResponse: samples.response,
    samplePayload: samples.payload,
    serviceName: service.name,
    serviceExport: service.exportName,
    serviceImport: serviceModule.startsWith('.') ? serviceModule : `./${serviceModule}`,
    harnessOptions: envEntries.length > 0 ? `, { env: { ${envEntries.join(', ')} } }` : '',
    method: contract.kind === 'event' ? 'publish' : 'send',
  });
  return { className, file, spec, incompleteSample };
}
