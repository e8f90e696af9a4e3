// Bundles the benchmark runner and its worker processes into dist/bench/<name>/main.mjs, as apps are bundled.
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundle } from '../../scripts/bundle-app.mjs';

const root = resolve(import.meta.dirname, '../../..');
const out = join(root, 'dist/bench');
const bins = (await readdir(join(root, 'tools/bench/src/bin'))).filter((file) => file.endsWith('.ts'));

await rm(out, { recursive: true, force: true });
const started = performance.now();
await Promise.all([
  bundle('tools/bench/src/run.ts', join(out, 'run')),
  ...bins.map((file) => bundle(`tools/bench/src/bin/${file}`, join(out, file.replace(/\.ts$/, '')))),
]);
console.log(
  `bundled the runner and ${bins.length} workers into dist/bench in ${Math.round(performance.now() - started)} ms`,
);
