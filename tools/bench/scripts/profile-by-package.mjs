// Busy time of a V8 .cpuprofile (from `npm run bench -- --profile DIR`) by where the code comes from: a package of
// node_modules or a workspace folder (through the bundle's source map), a Node.js subsystem, the garbage collector
// or a system call. With a message count, also the microseconds per message. Idle time is left out.
// usage: node tools/bench/scripts/profile-by-package.mjs <file.cpuprofile> [messages] [rows]
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const [file, messagesArg, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node tools/bench/scripts/profile-by-package.mjs <file.cpuprofile> [messages] [rows]');
const messages = messagesArg ? Number(messagesArg) : undefined;
const rows = Number(rowsArg ?? 20);
const profile = JSON.parse(await readFile(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

// One source map per bundle (`main.mjs.map` beside `main.mjs`); null when there is none.
const maps = new Map();
async function mapOf(url) {
  if (!maps.has(url)) {
    const text = await readFile(`${fileURLToPath(url)}.map`, 'utf8').catch(() => undefined);
    maps.set(url, text === undefined ? null : new SourceMap(JSON.parse(text)));
  }
  return maps.get(url);
}

async function originOf(frame) {
  if (frame.url.startsWith('file://')) {
    const map = await mapOf(frame.url);
    const source = map?.findEntry(frame.lineNumber, frame.columnNumber)?.originalSource ?? '(bundle, unmapped)';
    const pkg = source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (pkg) return pkg[1];
    const workspace = source.match(/(packages|apps|tools)\/[^/]+/);
    return workspace ? workspace[0] : source;
  }
  if (frame.url.startsWith('node:')) return `node:${frame.url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  return frame.functionName || '(native)';
}

const busy = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const frame = byId.get(profile.samples[i]).callFrame;
  if (frame.functionName === '(idle)') continue;
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  const origin = await originOf(frame);
  busy.set(origin, (busy.get(origin) ?? 0) + ms);
  total += ms;
}

const perMessage = (ms) => (messages ? `${((ms * 1000) / messages).toFixed(2).padStart(8)} µs` : '');
console.log(`${file}: ${total.toFixed(0)} ms busy${messages ? `, ${((total * 1000) / messages).toFixed(1)} µs per message` : ''}`);
for (const [origin, ms] of [...busy].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  console.log(`${ms.toFixed(1).padStart(8)} ms ${perMessage(ms)}  ${origin}`);
}
