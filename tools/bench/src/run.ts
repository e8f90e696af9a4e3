// The benchmark runner (`nx run bench:bench`): Wharf against raw amqplib on one RabbitMQ, variants interleaved over
// rounds, in a vhost of its own. Prints a Markdown table and writes the results as JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchVhost, rabbitmqVersion } from './runner/broker.js';
import { buildResults, formatTable, machine, noiseOf, versions } from './runner/report.js';
import { Samples } from './runner/samples.js';
import {
  coldStartRound,
  eventsRound,
  memoryRound,
  requestsRound,
  type RoundContext,
} from './runner/scenarios.js';
import { parseSettings, USAGE, warmupSettings, type Scenario } from './runner/settings.js';

const ROUNDS: Record<Scenario, (context: RoundContext) => Promise<void>> = {
  'cold-start': coldStartRound,
  events: eventsRound,
  requests: requestsRound,
  memory: memoryRound,
};

// The bundle runs from dist/bench/run/main.mjs.
const root = resolve(import.meta.dirname, '../../..');
const parsed = parseSettings(process.argv.slice(2));
if (parsed === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const settings = parsed;
const log = (line: string) => console.log(`[bench] ${line}`);

const startedAt = new Date();
const before = machine(await rabbitmqVersion());
if (settings.profileDir !== undefined) await mkdir(settings.profileDir, { recursive: true });
const vhost = await BenchVhost.create(settings.brokerUrl, `wharf-bench-${startedAt.getTime()}`);
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  log('interrupted: deleting the vhost');
  void vhost.delete().finally(() => process.exit(130));
});
log(
  `vhost ${vhost.name}; ${settings.rounds} rounds of ${settings.scenarios.join(', ')}${settings.quick ? ' (quick)' : ''}`,
);

const samples = new Samples();
try {
  if (!settings.quick) {
    const warmupStarted = performance.now();
    const warmup = {
      settings: warmupSettings(settings),
      vhost,
      samples: new Samples(),
      round: 0,
      log: () => undefined,
    };
    for (const scenario of settings.scenarios) await ROUNDS[scenario](warmup);
    log(
      `warm-up round (quick sizes, not recorded) took ${((performance.now() - warmupStarted) / 1000).toFixed(1)} s`,
    );
  }
  for (let round = 1; round <= settings.rounds && !interrupted; round += 1) {
    const roundStarted = performance.now();
    for (const scenario of settings.scenarios)
      await ROUNDS[scenario]({
        settings,
        vhost,
        samples,
        round,
        log: (line) => log(`round ${round}: ${line}`),
      });
    log(`round ${round} took ${((performance.now() - roundStarted) / 1000).toFixed(1)} s`);
  }
} finally {
  if (!interrupted) await vhost.delete();
}

const results = buildResults(samples, settings);
const noise = noiseOf(results);
const durationS = Math.round((Date.now() - startedAt.getTime()) / 1000);
const machineInfo = { ...before, loadAverage1mAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)) };
const versionInfo = await versions(root);
const misses = results.filter((result) => result.pass === false);

console.log(`\n${formatTable(results)}\n`);
console.log(
  `Median (min–max) over ${settings.rounds} round${settings.rounds === 1 ? '' : 's'}; ratio = Wharf median / raw median, with the range of the per-round ratios.`,
);
console.log(
  `Machine: ${machineInfo.cpu}, ${machineInfo.cores} cores, ${machineInfo.memoryGb} GB, ${machineInfo.os}; Node ${machineInfo.node}; RabbitMQ ${machineInfo.rabbitmq}.`,
);
console.log(
  `Load average (1 min) ${machineInfo.loadAverage1m} before, ${machineInfo.loadAverage1mAtEnd} after; noisiest, (max − min) / median: ` +
    noise
      .slice(0, 3)
      .map(({ quantity, spread }) => `${quantity} ${(spread * 100).toFixed(0)}%`)
      .join(', '),
);
const targets = results.filter((result) => result.pass !== undefined).length;
console.log(
  misses.length > 0
    ? `Missed ${misses.length} of ${targets} targets: ${misses.map((miss) => miss.id).join(', ')}.`
    : `Met ${targets} of ${targets} targets.`,
);

const full = !settings.quick && settings.scenarios.length === 4;
const file = full
  ? join(root, 'tools/bench/results', `${startedAt.toISOString().slice(0, 10)}.json`)
  : join(root, 'dist/bench', 'results-partial.json');
await mkdir(join(file, '..'), { recursive: true });
const document = {
  date: startedAt.toISOString(),
  durationS,
  machine: machineInfo,
  versions: versionInfo,
  settings,
  results,
  noise,
  samples: samples.toJSON(),
};
await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
log(`results written to ${file.slice(root.length + 1)} (${durationS} s)`);
