// Summarizes a V8 .cpuprofile (from `npm run bench -- --profile DIR`): the functions with the most self time,
// and the workspace functions with the most total (inclusive) time.
// With a function name as third argument, only the samples under that function count (its cost broken down).
// usage: node tools/bench/scripts/profile-summary.mjs <file.cpuprofile> [rows] [function]
import { readFile } from 'node:fs/promises';

const [file, rowsArg, under] = process.argv.slice(2);
if (!file)
  throw new Error('usage: node tools/bench/scripts/profile-summary.mjs <file.cpuprofile> [rows] [function]');
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(await readFile(file, 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Self time per node from the sample deltas; with `under`, only nodes below a frame of that function.
const isUnder = (id) => {
  for (let node = id; node !== undefined; node = parent.get(node))
    if (byId.get(node).callFrame.functionName === under) return true;
  return false;
};
const self = new Map();
const sampled = profile.samples.reduce((sum, _id, i) => sum + (profile.timeDeltas[i] ?? 0), 0);
profile.samples.forEach((id, i) => {
  if (under === undefined || isUnder(id)) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (frame) => {
  const url = frame.url.replace(/^file:\/\/.*\/dist\/bench\//, '').replace(/^node:/, 'node:');
  return `${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`;
};

const selfByFrame = new Map();
for (const [id, us] of self) {
  const key = where(byId.get(id).callFrame);
  selfByFrame.set(key, (selfByFrame.get(key) ?? 0) + us);
}

// Inclusive time: each sample counts once for every distinct frame on its stack.
const inclusive = new Map();
for (const [id, us] of self) {
  const seen = new Set();
  for (let node = id; node !== undefined; node = parent.get(node)) {
    const key = where(byId.get(node).callFrame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
console.log(
  `${file}: ${(sampled / 1000).toFixed(0)} ms sampled` +
    (under === undefined
      ? ''
      : `, ${(total / 1000).toFixed(0)} ms of it under ${under} (percentages of that)`) +
    '\n\nself time:',
);
for (const [key, us] of [...selfByFrame].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`${pct(us)}  ${key}`);
console.log('\ninclusive time:');
for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`${pct(us)}  ${key}`);
