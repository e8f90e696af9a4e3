import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateFiles, joinPathFragments, OverwriteStrategy, type Tree } from '@nx/devkit';
import ts from 'typescript';

/** Values substituted into templates (`<%= name %>`) and file names (`__name__`). */
export type Substitutions = Record<string, unknown>;

function templateFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? templateFiles(join(folder, entry.name)) : [join(folder, entry.name)],
  );
}

/** The workspace paths `generateFiles` writes for a folder of templates, as devkit computes them. */
export function targetPaths(srcFolder: string, target: string, substitutions: Substitutions): string[] {
  return templateFiles(srcFolder).map((file) => {
    let path = joinPathFragments(target, relative(srcFolder, file));
    if (path.endsWith('.template')) path = path.slice(0, -'.template'.length);
    for (const [key, value] of Object.entries(substitutions)) {
      if (typeof value === 'string') path = path.split(`__${key}__`).join(value);
    }
    return path;
  });
}

/** Throws one error naming every path that already exists: generators never overwrite a file. */
export function refuseExisting(tree: Tree, paths: readonly string[]): void {
  const existing = paths.filter((path) => tree.exists(path));
  if (existing.length > 0) {
    throw new Error(
      `Refusing to overwrite existing files: ${existing.join(', ')}. Move or delete them first.`,
    );
  }
}

/** Renders a folder of EJS templates into `target`, refusing to overwrite any existing file. */
export function generateNewFiles(
  tree: Tree,
  srcFolder: string,
  target: string,
  substitutions: Substitutions,
): string[] {
  const paths = targetPaths(srcFolder, target, substitutions);
  refuseExisting(tree, paths);
  generateFiles(tree, srcFolder, target, substitutions, {
    overwriteStrategy: OverwriteStrategy.ThrowIfExisting,
  });
  return paths;
}

/** Reads a text file of the tree, or throws an error that says what was expected there. */
export function readText(tree: Tree, path: string, why: string): string {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} does not exist: ${why}`);
  return text;
}

/** Parses a TypeScript file of the tree, with a clear error when it is missing. */
export function parseSource(tree: Tree, path: string): ts.SourceFile {
  return ts.createSourceFile(path, readText(tree, path, 'expected a TypeScript source'), ts.ScriptTarget.Latest, true);
}

/** The TypeScript sources under `dir` (not specs, type tests or declarations, nor node_modules). */
export function sourceFiles(tree: Tree, dir: string): string[] {
  if (!tree.exists(dir)) return [];
  return tree.children(dir).flatMap((child) => {
    const path = `${dir}/${child}`;
    if (!tree.isFile(path)) return child === 'node_modules' ? [] : sourceFiles(tree, path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') && !/\.spec(-d)?\.ts$/.test(path) ? [path] : [];
  });
}
