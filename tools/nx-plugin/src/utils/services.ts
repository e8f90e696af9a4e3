import { posix } from 'node:path';
import { getProjects, type Tree } from '@nx/devkit';
import ts from 'typescript';
import type { ContractInfo } from './contracts.js';
import { parseSource, sourceFiles } from './files.js';

/** A Wharf service as its source declares it: `export const feedService = defineService({ name: 'feed', ... })`. */
export interface ServiceSource {
  /** The Nx project. */
  readonly project: string;
  readonly root: string;
  /** The file that calls `defineService`. */
  readonly file: string;
  /** The service name given to `defineService` (the owner prefix of its contracts). */
  readonly name: string;
  /** The exported constant holding the definition: `feedService`. */
  readonly exportName: string;
}

/** A handler to list in a service's `defineService({ handlers })`. */
export interface HandlerEntry {
  readonly contract: ContractInfo;
  readonly className: string;
  /** The handler's module, relative to the service file: `./handlers/handle-order-placed.js`. */
  readonly importPath: string;
}

interface Definition {
  readonly exportName: string;
  readonly name: string;
  readonly object: ts.ObjectLiteralExpression;
}

function propertyOf(object: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return object.properties.find(
    (p): p is ts.PropertyAssignment =>
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === name,
  );
}

function definitionsIn(source: ts.SourceFile): Definition[] {
  const found: Definition[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!(ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const d of statement.declarationList.declarations) {
      const call = d.initializer;
      if (!ts.isIdentifier(d.name) || !call || !ts.isCallExpression(call)) continue;
      if (!ts.isIdentifier(call.expression) || call.expression.text !== 'defineService') continue;
      const object = call.arguments[0];
      if (!object || !ts.isObjectLiteralExpression(object)) continue;
      const name = propertyOf(object, 'name')?.initializer;
      if (!name || !ts.isStringLiteralLike(name)) continue;
      found.push({ exportName: d.name.text, name: name.text, object });
    }
  }
  return found;
}



/** Finds the service of an Nx project, or throws a message naming the projects that are services. */
export function findService(tree: Tree, project: string): ServiceSource {
  const projects = getProjects(tree);
  const config = projects.get(project);
  const servicesList = () =>
    [...projects.entries()]
      .filter(([, p]) => p.projectType === 'application')
      .map(([name]) => name)
      .join(', ') || 'none';
  if (!config) throw new Error(`No project "${project}" in the workspace (services: ${servicesList()})`);
  const sourceRoot = config.sourceRoot ?? `${config.root}/src`;
  const candidates = sourceFiles(tree, sourceRoot)
    .filter((file) => tree.read(file, 'utf-8')?.includes('defineService('))
    .flatMap((file) => definitionsIn(parseSource(tree, file)).map((d) => ({ file, definition: d })));
  const preferred = candidates.filter((c) => posix.basename(c.file) === `${project}.service.ts`);
  const chosen = preferred.length === 1 ? preferred : candidates;
  if (chosen.length === 0) {
    throw new Error(
      `Project "${project}" has no exported defineService({ name: '...' }) under ${sourceRoot}, so it is not a Wharf service (services: ${servicesList()})`,
    );
  }
  if (chosen.length > 1) {
    throw new Error(
      `Project "${project}" defines several services (${chosen.map((c) => c.file).join(', ')}); keep one per app`,
    );
  }
  const [{ file, definition }] = chosen as [(typeof chosen)[number]];
  return { project, root: config.root, file, name: definition.name, exportName: definition.exportName };
}

/** Throws unless the service may handle the contract: commands and queries only by their owner, once. */
export function assertMayHandle(service: ServiceSource, contract: ContractInfo): void {
  if (contract.kind !== 'event' && contract.owner !== service.name) {
    throw new Error(
      `Service "${service.name}" cannot handle the ${contract.kind} ${contract.type}: only its owner "${contract.owner}" may. ` +
        (contract.kind === 'command'
          ? `Send it with bus.send(${contract.symbol}, ...) instead.`
          : `Ask it with bus.request(${contract.symbol}, ...) instead.`),
    );
  }
}

interface Edit {
  readonly at: number;
  readonly text: string;
}

function namedImport(
  source: ts.SourceFile,
  module: string,
  name: string,
  taken: Map<string, string>,
): Edit | undefined {
  const owner = taken.get(name);
  if (owner === module) return undefined;
  if (owner !== undefined)
    throw new Error(`${source.fileName} already has a "${name}" (from ${owner}); choose another name`);
  taken.set(name, module);
  const declaration = source.statements.find(
    (s): s is ts.ImportDeclaration =>
      ts.isImportDeclaration(s) &&
      ts.isStringLiteral(s.moduleSpecifier) &&
      s.moduleSpecifier.text === module &&
      !s.importClause?.isTypeOnly &&
      s.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(s.importClause.namedBindings),
  );
  const bindings = declaration?.importClause?.namedBindings;
  if (bindings && ts.isNamedImports(bindings)) {
    // Keep sorted lists sorted: before the first later name, values before `type` imports.
    const next = bindings.elements.find(
      (e) => e.isTypeOnly || e.name.text.toLowerCase() > name.toLowerCase(),
    );
    if (next) return { at: next.getStart(source), text: `${name}, ` };
    const last = bindings.elements[bindings.elements.length - 1];
    return last
      ? { at: last.getEnd(), text: `, ${name}` }
      : { at: bindings.getStart(source) + 1, text: ` ${name} ` };
  }
  // Keep the usual order: packages first, then relative modules, each sorted by path.
  const rank = (specifier: string) => `${specifier.startsWith('.') ? 1 : 0}${specifier}`;
  const imports = source.statements.filter(ts.isImportDeclaration);
  const before = imports.find(
    (s) => ts.isStringLiteral(s.moduleSpecifier) && rank(s.moduleSpecifier.text) > rank(module),
  );
  const line = `import { ${name} } from '${module}';`;
  if (before) return { at: before.getStart(source), text: `${line}\n` };
  const after = imports[imports.length - 1];
  return after ? { at: after.getEnd(), text: `\n${line}` } : { at: 0, text: `${line}\n` };
}

function importedNames(source: ts.SourceFile): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of source.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || !s.importClause) continue;
    if (s.importClause.name) names.set(s.importClause.name.text, s.moduleSpecifier.text);
    const bindings = s.importClause.namedBindings;
    if (bindings && ts.isNamedImports(bindings))
      for (const e of bindings.elements) names.set(e.name.text, s.moduleSpecifier.text);
    if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, s.moduleSpecifier.text);
  }
  return names;
}

/**
 * Lists a handler in the service's `defineService({ handlers: [...] })` (adding the property when missing) and
 * imports the contract, `on`/`answer` and the handler class. Refuses a contract the service already handles.
 */
export function registerHandler(tree: Tree, service: ServiceSource, entry: HandlerEntry): void {
  const source = parseSource(tree, service.file);
  const definition = definitionsIn(source).find((d) => d.exportName === service.exportName);
  if (!definition)
    throw new Error(`Cannot find ${service.exportName} = defineService(...) in ${service.file}`);
  const { contract, className } = entry;
  const register = contract.kind === 'query' ? 'answer' : 'on';
  const call = `${register}(${contract.symbol}, ${className})`;
  const edits: Edit[] = [];
  const handlers = propertyOf(definition.object, 'handlers');
  if (handlers) {
    const list = handlers.initializer;
    if (!ts.isArrayLiteralExpression(list)) {
      throw new Error(`${service.file}: handlers is not an array literal; add ${call} to it by hand`);
    }
    for (const element of list.elements) {
      if (!ts.isCallExpression(element)) continue;
      const [first, second] = element.arguments;
      if (first && ts.isIdentifier(first) && first.text === contract.symbol) {
        throw new Error(
          `Service "${service.name}" already handles ${contract.type}: ${element.getText(source)} in ${service.file}`,
        );
      }
      if (second && ts.isIdentifier(second) && second.text === className) {
        throw new Error(
          `${service.file} already registers a handler named ${className}; pass --name to choose another`,
        );
      }
    }
    const last = list.elements[list.elements.length - 1];
    edits.push(
      last ? { at: last.getEnd(), text: `, ${call}` } : { at: list.getStart(source) + 1, text: call },
    );
  } else {
    // After `modules` as in chat and feed, else after the last property; a trailing comma stays after it.
    const properties = definition.object.properties;
    const after = propertyOf(definition.object, 'modules') ?? properties[properties.length - 1];
    if (!after)
      throw new Error(
        `${service.file}: defineService({ ... }) has no properties; add handlers: [${call}] by hand`,
      );
    edits.push({ at: after.getEnd(), text: `,\n  handlers: [${call}]` });
  }
  const taken = importedNames(source);
  for (const [module, name] of [
    ['@wharf/contracts', contract.symbol],
    ['@wharf/sdk', register],
    [entry.importPath, className],
  ] as const) {
    const edit = namedImport(source, module, name, taken);
    if (edit) edits.push(edit);
  }
  let text = source.getFullText();
  // From the end, so positions stay valid; at one position the later edit goes first, keeping edit order.
  const ordered = edits
    .map((edit, index) => ({ ...edit, index }))
    .sort((a, b) => b.at - a.at || b.index - a.index);
  for (const edit of ordered) text = `${text.slice(0, edit.at)}${edit.text}${text.slice(edit.at)}`;
  tree.write(service.file, text);
}

/** Environment a test harness gives the service so it can start beside others: every `*_PORT` of its config at 0. */
export function harnessEnv(tree: Tree, service: ServiceSource): Record<string, string> {
  const env: Record<string, string> = {};
  for (const file of sourceFiles(tree, posix.dirname(service.file))) {
    if (!/config\.ts$/.test(file)) continue;
    for (const match of (tree.read(file, 'utf-8') ?? '').matchAll(/\b([A-Z][A-Z0-9_]*_PORT)\s*:/g))
      env[match[1] as string] = '0';
  }
  return env;
}

/** The next free HTTP and health ports after those the workspace's Dockerfiles set (3000 and 8081 first). */
export function nextPorts(tree: Tree): { http: number; health: number; used: Set<number> } {
  const used = new Set<number>();
  let http = 2999;
  let health = 8080;
  for (const [, project] of getProjects(tree)) {
    const dockerfile = tree.read(`${project.root}/Dockerfile`, 'utf-8');
    if (!dockerfile) continue;
    for (const match of dockerfile.matchAll(/\b(HTTP|HEALTH)_PORT=(\d+)/g)) {
      const port = Number(match[2]);
      used.add(port);
      if (match[1] === 'HTTP') http = Math.max(http, port);
      else health = Math.max(health, port);
    }
  }
  const next = (from: number) => {
    let port = from + 1;
    while (used.has(port)) port += 1;
    return port;
  };
  return { http: next(http), health: next(health), used };
}
