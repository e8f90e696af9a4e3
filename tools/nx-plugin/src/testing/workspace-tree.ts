import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

/** The root of this workspace on disk. */
export const workspaceRoot = resolve(import.meta.dirname, '../../../..');

const skipped = new Set(['node_modules', 'dist', '.nx']);

function copy(tree: Tree, root: string, path: string): void {
  for (const entry of readdirSync(join(root, path), { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory()) copy(tree, root, child);
    else tree.write(child, readFileSync(join(root, child)));
  }
}

/**
 * A virtual workspace for generator specs: Nx's empty workspace plus copies of the real contracts package and
 * sample apps (or the folders given, of `root`), formatted with the workspace's Prettier settings.
 */
export function workspaceTree(
  folders: readonly string[] = ['packages/contracts', 'apps/chat', 'apps/feed'],
  root = workspaceRoot,
): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'prettier' });
  tree.write('.prettierrc', readFileSync(join(root, '.prettierrc')));
  for (const folder of folders) copy(tree, root, folder);
  return tree;
}

/** Writes what generators changed in the tree under `folders` to the workspace at `root`; returns the paths. */
export function writeChanges(tree: Tree, root: string, folders: readonly string[]): string[] {
  const written: string[] = [];
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || !change.content) continue;
    if (!folders.some((folder) => change.path.startsWith(`${folder}/`))) continue;
    mkdirSync(dirname(join(root, change.path)), { recursive: true });
    writeFileSync(join(root, change.path), change.content);
    written.push(change.path);
  }
  return written;
}

/** A file of the tree as text; fails the test when it does not exist. */
export function read(tree: Tree, path: string): string {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`expected ${path} to exist`);
  return text;
}
