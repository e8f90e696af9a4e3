import { dirname, join } from 'node:path/posix';
import type { Tree } from '@nx/devkit';
import ts from 'typescript';
import { generateNewFiles, parseSource, readText, refuseExisting, sourceFiles } from './files.js';
import { docText, pascalCase, quote, sentenceCase } from './names.js';
import { sampleOf, type SchemaResolver } from './sample-payload.js';

/** Where `@wharf/contracts` keeps its sources. */
export const CONTRACTS_SOURCE = 'packages/contracts/src';
/** The one public entry of `@wharf/contracts`, which names every contract. */
export const CONTRACTS_INDEX = `${CONTRACTS_SOURCE}/index.ts`;

/** The three kinds of contract. */
export type ContractKind = 'event' | 'command' | 'query';

/** A contract as declared in `packages/contracts/src`. */
export interface ContractInfo {
  /** The exported constant: `OrdersOrderPlaced`. */
  readonly symbol: string;
  readonly kind: ContractKind;
  /** `orders.order-placed` */
  readonly name: string;
  /** `orders` */
  readonly owner: string;
  /** `order-placed` */
  readonly local: string;
  readonly version: number;
  /** `orders.order-placed.v1` */
  readonly type: string;
  /** The workspace path of its source file. */
  readonly file: string;
}

/** A contract's schemas as source nodes, to derive sample payloads from. */
export interface ContractSchemas {
  readonly source: ts.SourceFile;
  readonly payload: ts.Expression;
  readonly response: ts.Expression | undefined;
}

/** What {@link addContract} writes. */
export interface NewContract {
  readonly owner: string;
  readonly local: string;
  readonly kind: ContractKind;
  readonly version: number;
  readonly description?: string | undefined;
  /** zod source of the payload (request) schema; a kind-specific default otherwise. */
  readonly payloadSchema?: string | undefined;
  /** zod source of a query's response schema. */
  readonly responseSchema?: string | undefined;
}

const defines: Readonly<Record<string, ContractKind>> = {
  defineEvent: 'event',
  defineCommand: 'command',
  defineQuery: 'query',
};

const defaultSchemas: Readonly<Record<ContractKind, { payload: string; response?: string }>> = {
  event: { payload: 'z.object({ id: z.uuid(), occurredAt: z.iso.datetime() })' },
  command: { payload: 'z.object({ id: z.uuid(), requestedAt: z.iso.datetime() })' },
  query: {
    payload: 'z.object({ id: z.uuid() })',
    response: 'z.object({ id: z.uuid(), found: z.boolean() })',
  },
};

const templates = join(import.meta.dirname, '../generators/contract/files');



function property(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === name
    ) {
      return p.initializer;
    }
  }
  return undefined;
}

function isExported(statement: ts.Statement): boolean {
  return (
    ts.canHaveModifiers(statement) &&
    (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

interface Declared {
  readonly info: ContractInfo;
  readonly definition: ts.ObjectLiteralExpression;
}

function declaredIn(source: ts.SourceFile, file: string): Declared[] {
  const found: Declared[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement) || !isExported(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const call = declaration.initializer;
      if (
        !ts.isIdentifier(declaration.name) ||
        !call ||
        !ts.isCallExpression(call) ||
        !ts.isIdentifier(call.expression)
      )
        continue;
      const kind = defines[call.expression.text];
      const definition = call.arguments[0];
      if (!kind || !definition || !ts.isObjectLiteralExpression(definition)) continue;
      const name = property(definition, 'name');
      const version = property(definition, 'version');
      if (!name || !ts.isStringLiteralLike(name) || !version || !ts.isNumericLiteral(version)) continue;
      const owner = name.text.slice(0, name.text.indexOf('.'));
      const info: ContractInfo = {
        symbol: declaration.name.text,
        kind,
        name: name.text,
        owner,
        local: name.text.slice(owner.length + 1),
        version: Number(version.text),
        type: `${name.text}.v${version.text}`,
        file,
      };
      found.push({ info, definition });
    }
  }
  return found;
}

/** Throws unless the workspace has `@wharf/contracts` to add to. */
export function assertContractsPackage(tree: Tree): void {
  if (!tree.exists(CONTRACTS_INDEX)) {
    throw new Error(
      `${CONTRACTS_INDEX} does not exist: Wharf keeps every contract in @wharf/contracts (packages/contracts)`,
    );
  }
}

/** Every contract declared with `defineEvent`/`defineCommand`/`defineQuery` in `packages/contracts/src`. */
export function readContracts(tree: Tree): ContractInfo[] {
  if (!tree.exists(CONTRACTS_SOURCE)) return [];
  return sourceFiles(tree, CONTRACTS_SOURCE).flatMap((file) =>
    declaredIn(parseSource(tree, file), file).map((d) => d.info),
  );
}

/** The source nodes of a contract's schemas. */
export function contractSchemas(tree: Tree, contract: ContractInfo): ContractSchemas {
  const source = parseSource(tree, contract.file);
  const declared = declaredIn(source, contract.file).find((d) => d.info.symbol === contract.symbol);
  const payload = declared && property(declared.definition, contract.kind === 'query' ? 'request' : 'schema');
  if (!declared || !payload)
    throw new Error(`Cannot read the schema of ${contract.symbol} in ${contract.file}`);
  return {
    source,
    payload,
    response: contract.kind === 'query' ? property(declared.definition, 'response') : undefined,
  };
}

/** Resolves schema names to their `const` in the same file or in a relative import, within the tree. */
export function schemaResolver(tree: Tree): SchemaResolver {
  const cache = new Map<string, ts.SourceFile>();
  const load = (path: string) => {
    if (!cache.has(path) && tree.exists(path)) cache.set(path, parseSource(tree, path));
    return cache.get(path);
  };
  const resolve: SchemaResolver = (name, source) => {
    for (const statement of source.statements) {
      if (ts.isVariableStatement(statement)) {
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer)
            return { expression: d.initializer, source };
        }
      }
      if (
        ts.isImportDeclaration(statement) &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        statement.moduleSpecifier.text.startsWith('.') &&
        statement.importClause?.namedBindings &&
        ts.isNamedImports(statement.importClause.namedBindings)
      ) {
        const element = statement.importClause.namedBindings.elements.find((e) => e.name.text === name);
        if (!element) continue;
        const path = join(dirname(source.fileName), statement.moduleSpecifier.text).replace(/\.js$/, '.ts');
        const imported = load(path);
        return imported ? resolve((element.propertyName ?? element.name).text, imported) : undefined;
      }
    }
    return undefined;
  };
  return resolve;
}

/** Sample payload (and response, for a query) of a contract as TypeScript source, or why there is none. */
export function contractSamples(
  tree: Tree,
  contract: ContractInfo,
): { payload: string | undefined; response: string | undefined; reasons: string[] } {
  const { source, payload, response } = contractSchemas(tree, contract);
  const resolve = schemaResolver(tree);
  const p = sampleOf(payload, source, resolve);
  const r = response ? sampleOf(response, source, resolve) : undefined;
  return {
    payload: p.ok ? p.code : undefined,
    response: r?.ok ? r.code : undefined,
    reasons: [...(p.ok ? [] : [`payload: ${p.reason}`]), ...(r && !r.ok ? [`response: ${r.reason}`] : [])],
  };
}

/** The exported name of a contract: `orders.order-placed` v2 → `OrdersOrderPlacedV2`. */
export function contractSymbol(owner: string, local: string, version: number): string {
  return `${pascalCase(`${owner}.${local}`)}${version > 1 ? `V${version}` : ''}`;
}

function exportedNames(index: string): Set<string> {
  const names = new Set<string>();
  for (const match of index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (match[1] ?? '').split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) names.add(name.replace(/^type\s+/, ''));
    }
  }
  for (const match of index.matchAll(/export\s+(?:const|function|class)\s+(\w+)/g)) names.add(match[1] ?? '');
  return names;
}

/**
 * Adds a contract to `@wharf/contracts`: its source file (`<owner>/<name>.ts`, `<name>.v<N>.ts` from version 2),
 * a spec beside it, and an export from `src/index.ts`. Refuses a name and version that exist, a kind that
 * differs from the contract's other versions, and any file that exists.
 */
export function addContract(tree: Tree, spec: NewContract): ContractInfo {
  assertContractsPackage(tree);
  const name = `${spec.owner}.${spec.local}`;
  const existing = readContracts(tree).filter((c) => c.name === name);
  const same = existing.find((c) => c.version === spec.version);
  if (same) throw new Error(`${name} v${spec.version} already exists: ${same.symbol} in ${same.file}`);
  const other = existing.find((c) => c.kind !== spec.kind);
  if (other) {
    throw new Error(
      `${name} v${other.version} is ${other.kind === 'event' ? 'an' : 'a'} ${other.kind}; a new version keeps the kind (--kind ${other.kind})`,
    );
  }
  const symbol = contractSymbol(spec.owner, spec.local, spec.version);
  const index = readText(tree, CONTRACTS_INDEX, 'it exports every contract');
  if (exportedNames(index).has(symbol)) throw new Error(`${CONTRACTS_INDEX} already exports ${symbol}`);

  const fileName = spec.version > 1 ? `${spec.local}.v${spec.version}` : spec.local;
  const directory = `${CONTRACTS_SOURCE}/${spec.owner}`;
  const file = `${directory}/${fileName}.ts`;
  refuseExisting(tree, [file, `${directory}/${fileName}.spec.ts`]);

  const described =
    spec.description ?? `${sentenceCase(spec.local)}${spec.version > 1 ? `, version ${spec.version}` : ''}`;
  const role = { event: 'published', command: 'handled', query: 'answered' }[spec.kind];
  const info: ContractInfo = {
    symbol,
    kind: spec.kind,
    name,
    owner: spec.owner,
    local: spec.local,
    version: spec.version,
    type: `${name}.v${spec.version}`,
    file,
  };
  const values = {
    ...info,
    fileName,
    define: { event: 'defineEvent', command: 'defineCommand', query: 'defineQuery' }[spec.kind],
    doc: docText(`${described.replace(/\.$/, '')} (${role} by ${spec.owner}).`),
    description: quote(described),
    payloadSchema: spec.payloadSchema ?? defaultSchemas[spec.kind].payload,
    responseSchema: spec.responseSchema ?? defaultSchemas[spec.kind].response ?? 'z.object({})',
  };
  generateNewFiles(tree, join(templates, 'contract'), directory, values);

  const samples = contractSamples(tree, info);
  if (!samples.payload || (spec.kind === 'query' && !samples.response)) {
    throw new Error(`Cannot derive a sample of ${symbol} for its spec (${samples.reasons.join('; ')})`);
  }
  generateNewFiles(tree, join(templates, 'spec'), directory, {
    ...values,
    payloadWord: spec.kind === 'query' ? 'request' : 'payload',
    samplePayload: samples.payload,
    sampleResponse: samples.response ?? '{}',
  });

  const line = `export { ${symbol} } from './${spec.owner}/${fileName}.js';\n`;
  tree.write(CONTRACTS_INDEX, `${index}${index.length === 0 || index.endsWith('\n') ? '' : '\n'}${line}`);
  return info;
}

/**
 * Finds the contract a generator option names: `orders.order-placed`, `order-placed` (when one owner has it) or
 * `OrdersOrderPlaced`; the highest version unless `version` is given. Throws a message listing what exists.
 */
export function findContract(tree: Tree, reference: string, version?: number): ContractInfo {
  assertContractsPackage(tree);
  const all = readContracts(tree);
  const matches = all.filter((c) => c.symbol === reference || c.name === reference || c.local === reference);
  if (matches.length === 0) {
    const known = all.map((c) => c.type).join(', ') || 'none';
    throw new Error(
      `No contract "${reference}" in ${CONTRACTS_SOURCE} (known: ${known}). Add one with the contract generator.`,
    );
  }
  const names = [...new Set(matches.map((c) => c.name))];
  if (names.length > 1)
    throw new Error(`"${reference}" is ambiguous: ${names.join(', ')}. Give the full name.`);
  const candidates = version === undefined ? matches : matches.filter((c) => c.version === version);
  const chosen = [...candidates].sort((a, b) => b.version - a.version)[0];
  if (!chosen) {
    throw new Error(
      `${names[0]} has no version ${version} (have: ${matches.map((c) => `v${c.version}`).join(', ')})`,
    );
  }
  return chosen;
}
