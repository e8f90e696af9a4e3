// Bundles an app into dist/<project root>: one ESM file holding every dependency, a pruned package.json and a
// Dockerfile. The argument is the app's project root (apps/orders, apps/backend/orders).
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

/** Bundles `entry` (relative to the workspace root) into `outDir/main.mjs`. */
export async function bundle(entry, outDir) {
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(outDir, 'main.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Workspace packages are bundled from their TypeScript sources, as tests see them.
    conditions: ['@wharf/source', 'module'],
    // CommonJS dependencies inside an ESM bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __wharfRequire } from 'node:module'; const require = __wharfRequire(import.meta.url);" },
    // pg loads its optional native binding inside a try; without it pg uses its JavaScript client.
    external: ['pg-native'],
    // Whitespace and syntax only: identifiers, and with them class and function names (handler names, stack
    // traces), stay as written. A smaller file is a smaller source string on the heap and less to parse at start.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

async function main() {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node tools/scripts/bundle-app.mjs <project root, e.g. apps/chat>');
  const projectRoot = arg.replace(/\/+$/, '');
  if (projectRoot.startsWith('/') || projectRoot.split('/').includes('..')) {
    throw new Error(`bundle-app: ${arg} is not a project root inside the workspace`);
  }
  const outDir = join(root, 'dist', projectRoot);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await bundle(`${projectRoot}/src/main.ts`, outDir);
  const source = JSON.parse(await readFile(join(root, projectRoot, 'package.json'), 'utf8'));
  const pruned = {
    name: source.name,
    version: source.version,
    private: true,
    description: source.description,
    type: 'module',
    main: 'main.mjs',
    engines: { node: '>=20.19' },
    scripts: { start: 'node --enable-source-maps main.mjs' },
  };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(pruned, null, 2)}\n`);
  await copyFile(join(root, projectRoot, 'Dockerfile'), join(outDir, 'Dockerfile'));
  console.log(`built dist/${projectRoot}: main.mjs, package.json, Dockerfile`);
}

if (process.argv[1] === import.meta.filename) await main();
