// Bundles an app into dist/apps/<app>: one ESM file holding every dependency, a pruned package.json and a Dockerfile.
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
  const app = process.argv[2];
  if (!app) throw new Error('usage: node tools/scripts/bundle-app.mjs <app>');
  const outDir = join(root, 'dist/apps', app);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await bundle(`apps/${app}/src/main.ts`, outDir);
  const source = JSON.parse(await readFile(join(root, 'apps', app, 'package.json'), 'utf8'));
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
  await copyFile(join(root, 'apps', app, 'Dockerfile'), join(outDir, 'Dockerfile'));
  console.log(`built dist/apps/${app}: main.mjs, package.json, Dockerfile`);
}

if (process.argv[1] === import.meta.filename) await main();
