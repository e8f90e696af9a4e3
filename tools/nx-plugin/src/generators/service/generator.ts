import { join } from 'node:path';
import {
  addProjectConfiguration,
  formatFiles,
  getProjects,
  joinPathFragments,
  logger,
  offsetFromRoot,
  readJson,
  type Tree,
  updateJson,
} from '@nx/devkit';
import { addContract, assertContractsPackage } from '../../utils/contracts.js';
import { generateNewFiles } from '../../utils/files.js';
import { addHandler } from '../../utils/handlers.js';
import { assertKebab, camelCase, docText, pascalCase, possessive } from '../../utils/names.js';
import { findService, nextPorts } from '../../utils/services.js';
import type { ServiceGeneratorSchema } from './schema.js';

/** The service generator's options with every default filled in. */
export interface NormalizedServiceOptions {
  readonly name: string;
  readonly directory: string;
  readonly projectRoot: string;
  readonly http: boolean;
  /** Default HTTP_PORT; set only with `http`. */
  readonly port: number | undefined;
  readonly healthPort: number;
  readonly tags: string[];
  readonly description: string;
}

/** Names the SDK or the test harness use themselves. */
const reserved = new Set(['test-client']);
const DEFAULT_FASTIFY = '^5.12.8';

function checkPort(value: number | undefined, option: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 65_535)) {
    throw new Error(`--${option} must be a port from 1 to 65535, got ${value}`);
  }
}

/** Checks the options and fills in the defaults; throws a message saying what to change. */
export function normalizeServiceOptions(
  tree: Tree,
  schema: ServiceGeneratorSchema,
): NormalizedServiceOptions {
  const name = schema.name.trim();
  assertKebab(name, 'The service name', 'orders');
  if (name.length > 50) throw new Error(`The service name "${name}" is longer than 50 characters`);
  if (reserved.has(name))
    throw new Error(`"${name}" is reserved by the Wharf test harness; choose another service name`);
  const directory = (schema.directory ?? 'apps')
    .trim()
    .replace(/\\/g, '/')
    .replace(/^\.\/+/, '')
    .replace(/\/+$/, '');
  if (
    !directory ||
    directory.startsWith('/') ||
    directory.split('/').some((part) => part === '..' || part === '')
  ) {
    throw new Error(
      `--directory must be a folder inside the workspace, such as "apps", got "${schema.directory}"`,
    );
  }
  const projectRoot = joinPathFragments(directory, name);

  const projects = getProjects(tree);
  const existing = projects.get(name);
  if (existing)
    throw new Error(
      `A project named "${name}" already exists (${existing.root}); choose another service name`,
    );
  if (tree.exists(projectRoot) && tree.children(projectRoot).length > 0) {
    throw new Error(
      `${projectRoot} already exists and is not empty; choose another service name or --directory`,
    );
  }
  const packageName = `@wharf/${name}`;
  for (const [project, config] of projects) {
    const manifest = joinPathFragments(config.root, 'package.json');
    if (tree.exists(manifest) && readJson<{ name?: string }>(tree, manifest).name === packageName) {
      throw new Error(`The package ${packageName} already exists (project "${project}", ${config.root})`);
    }
  }

  const http = schema.http ?? false;
  checkPort(schema.port, 'port');
  checkPort(schema.healthPort, 'healthPort');
  if (schema.port !== undefined && !http)
    throw new Error('--port sets the HTTP API port: add --http, or leave --port out');
  const free = nextPorts(tree);
  const port = http ? (schema.port ?? free.http) : undefined;
  const healthPort = schema.healthPort ?? (free.health === port ? free.health + 1 : free.health);
  if (port === healthPort)
    throw new Error(`The HTTP port and the health port are both ${port}; give them different ports`);
  for (const taken of [port, healthPort]) {
    if (taken !== undefined && free.used.has(taken))
      logger.warn(`Port ${taken} is already set by another app's Dockerfile.`);
  }

  const tags = ['scope:app', 'type:app'];
  for (const tag of (schema.tags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    if (/\s/.test(tag))
      throw new Error(`Tag "${tag}" has whitespace; separate tags with commas: --tags=team:checkout,tier:1`);
    if (!tags.includes(tag)) tags.push(tag);
  }
  const description = schema.description?.trim() || `The ${name} service.`;
  return { name, directory, projectRoot, http, port, healthPort, tags, description };
}

/** Adds `glob` to the root package.json workspaces, so npm links the new app's package (`apps/*` is there). */
function addWorkspaceGlob(tree: Tree, glob: string): void {
  updateJson(tree, 'package.json', (json: { workspaces?: string[] }) => {
    const workspaces = json.workspaces ?? [];
    if (!workspaces.includes(glob)) json.workspaces = [...workspaces, glob];
    return json;
  });
}

/** `import { x } from './y.js';` lines sorted by module, as the workspace orders its imports. */
function importLines(imports: readonly (readonly [string, string])[]): string {
  return [...imports]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([module, name]) => `import { ${name} } from '${module}';`)
    .join('\n');
}

function fastifyVersion(tree: Tree): string {
  for (const [, config] of getProjects(tree)) {
    const manifest = joinPathFragments(config.root, 'package.json');
    if (!tree.exists(manifest)) continue;
    const version = readJson<{ dependencies?: Record<string, string> }>(tree, manifest).dependencies?.[
      'fastify'
    ];
    if (version) return version;
  }
  return DEFAULT_FASTIFY;
}

/**
 * `nx g @wharf/nx-plugin:service`: scaffolds an app shaped like chat and feed, with an example event
 * (`<name>.example-requested`) in @wharf/contracts and a handler of it, so it builds, lints and tests at once.
 */
export async function serviceGenerator(tree: Tree, schema: ServiceGeneratorSchema): Promise<void> {
  const options = normalizeServiceOptions(tree, schema);
  assertContractsPackage(tree);
  const { name, projectRoot, http } = options;
  const exampleLocal = 'example-requested';
  const values = {
    ...options,
    className: pascalCase(name),
    propertyName: camelCase(name),
    offset: offsetFromRoot(projectRoot),
    owns: possessive(name),
    doc: docText(
      schema.description?.trim()
        ? `${name}: ${options.description}`
        : `The ${name} service: its config, modules, handlers and hooks.`,
    ),
    outputPath: `dist/${projectRoot}`,
    fastifyVersion: fastifyVersion(tree),
    exampleSymbol: pascalCase(`${name}.${exampleLocal}`),
    exampleName: `${name}.${exampleLocal}`,
    serviceImports: importLines([
      ['./config.js', `${camelCase(name)}Config`],
      ...(http ? [['./http-api.js', `${pascalCase(name)}HttpApi`] as const] : []),
      [`./${name}.module.js`, `${camelCase(name)}Module`],
    ]),
    specImports: importLines([
      ['./http-api.js', `${pascalCase(name)}HttpApi`],
      [`./${name}.service.js`, `${camelCase(name)}Service`],
    ]),
  };

  // Files first, so a refusal to overwrite stops the generator before anything is registered.
  const templates = join(import.meta.dirname, 'files');
  generateNewFiles(tree, join(templates, 'service'), projectRoot, values);
  if (http) generateNewFiles(tree, join(templates, 'http'), projectRoot, values);

  addProjectConfiguration(tree, name, {
    root: projectRoot,
    sourceRoot: `${projectRoot}/src`,
    projectType: 'application',
    tags: options.tags,
    targets: {
      typecheck: { executor: 'nx:run-commands', options: { command: `tsc -p ${projectRoot}/tsconfig.json` } },
      build: {
        executor: 'nx:run-commands',
        cache: true,
        inputs: ['production', '^production', '{workspaceRoot}/tools/scripts/bundle-app.mjs'],
        outputs: [`{workspaceRoot}/${values.outputPath}`],
        options: { command: `node tools/scripts/bundle-app.mjs ${projectRoot}` },
        dependsOn: [],
      },
      serve: {
        executor: 'nx:run-commands',
        continuous: true,
        dependsOn: ['build'],
        options: { command: `node --enable-source-maps ${values.outputPath}/main.mjs` },
      },
      topology: {
        executor: 'nx:run-commands',
        dependsOn: ['build'],
        options: { command: `node ${values.outputPath}/main.mjs topology` },
      },
      'topology-apply': {
        executor: 'nx:run-commands',
        dependsOn: ['build'],
        options: { command: `node ${values.outputPath}/main.mjs topology apply` },
      },
    },
  });

  const example = addContract(tree, {
    owner: name,
    local: exampleLocal,
    kind: 'event',
    version: 1,
    description: `An example was requested of ${name}; replace it with the service's own contracts`,
    payloadSchema:
      'z.object({ exampleId: z.uuid(), text: z.string().min(1).max(1_000), requestedAt: z.iso.datetime() })',
  });
  addHandler(tree, { service: findService(tree, name), contract: example });

  addWorkspaceGlob(tree, `${options.directory}/*`);
  await formatFiles(tree);
  logger.info(
    `Run "npm install" to link @wharf/${name} into node_modules and package-lock.json; then "nx run-many -t lint typecheck test build -p ${name}".`,
  );
}
