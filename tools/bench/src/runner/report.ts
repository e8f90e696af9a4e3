import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { summarize, type Summary } from '../stats.js';
import type { Samples } from './samples.js';
import type { BenchSettings, Scenario } from './settings.js';

/** One row of the results table: what is measured, against what, and the target ratio. */
export interface MetricSpec {
  readonly id: string;
  readonly scenario: Scenario;
  readonly label: (settings: BenchSettings) => string;
  readonly unit: string;
  /** Sample key of the Wharf side. */
  readonly subject: string;
  /** Sample key of what it is compared with (raw amqplib, or Wharf without the OTel SDK). */
  readonly baseline?: string;
  readonly better: 'higher' | 'lower';
  /** The ratio subject / baseline must be at least this (higher is better) or at most this (lower is better). */
  readonly target?: number;
}

const n = (value: number) => value.toLocaleString('en-US');

/** The rows of the table, in the order printed. */
export const METRICS: readonly MetricSpec[] = [
  {
    id: 'event-throughput',
    scenario: 'events',
    label: (s) => `Event throughput, ${n(s.events)} persistent events, first publish → last ack (events/s)`,
    unit: 'events/s',
    subject: 'events.wharf',
    baseline: 'events.raw',
    better: 'higher',
    target: 0.95,
  },
  {
    id: 'consumer-cpu',
    scenario: 'events',
    label: () => 'Consumer CPU per 1,000 events (ms)',
    unit: 'ms',
    subject: 'consumer-cpu.wharf',
    baseline: 'consumer-cpu.raw',
    better: 'lower',
    target: 1.15,
  },
  {
    id: 'consumer-cpu-system',
    scenario: 'events',
    label: () => 'of which in the kernel (system CPU, ms)',
    unit: 'ms',
    subject: 'consumer-cpu-system.wharf',
    baseline: 'consumer-cpu-system.raw',
    better: 'lower',
  },
  {
    id: 'consumer-rss',
    scenario: 'events',
    label: (s) => `Consumer peak RSS after ${n(s.events)} events (MB)`,
    unit: 'MB',
    subject: 'consumer-rss.wharf',
    baseline: 'consumer-rss.raw',
    better: 'lower',
    target: 1.2,
  },
  {
    id: 'producer-cpu',
    scenario: 'events',
    label: () => 'Producer CPU per 1,000 events (ms)',
    unit: 'ms',
    subject: 'producer-cpu.wharf',
    baseline: 'producer-cpu.raw',
    better: 'lower',
  },
  {
    id: 'consumer-writes',
    scenario: 'events',
    label: () => 'Consumer write system calls per 1,000 events',
    unit: 'calls',
    subject: 'consumer-writes.wharf',
    baseline: 'consumer-writes.raw',
    better: 'lower',
  },
  {
    id: 'producer-writes',
    scenario: 'events',
    label: () => 'Producer write system calls per 1,000 events',
    unit: 'calls',
    subject: 'producer-writes.wharf',
    baseline: 'producer-writes.raw',
    better: 'lower',
  },
  {
    id: 'tracing',
    scenario: 'events',
    label: () => 'Tracing: events/s with the OTel SDK registered, vs Wharf without (raw column)',
    unit: 'events/s',
    subject: 'events.wharf-otel',
    baseline: 'events.wharf',
    better: 'higher',
    target: 0.85,
  },
  {
    id: 'tracing-by-hand',
    scenario: 'events',
    label: () => 'Tracing by hand: raw amqplib with the same spans and the OTel SDK (Wharf column), vs raw without (events/s)',
    unit: 'events/s',
    subject: 'events.raw-otel',
    baseline: 'events.raw',
    better: 'higher',
  },
  {
    id: 'traced-throughput',
    scenario: 'events',
    label: () => 'Both traced (OTel SDK registered): Wharf vs raw amqplib traced by hand (events/s)',
    unit: 'events/s',
    subject: 'events.wharf-otel',
    baseline: 'events.raw-otel',
    better: 'higher',
  },
  {
    id: 'traced-consumer-cpu',
    scenario: 'events',
    label: () => 'Both traced: consumer CPU per 1,000 events (ms)',
    unit: 'ms',
    subject: 'consumer-cpu.wharf-otel',
    baseline: 'consumer-cpu.raw-otel',
    better: 'lower',
  },
  {
    id: 'traced-producer-cpu',
    scenario: 'events',
    label: () => 'Both traced: producer CPU per 1,000 events (ms)',
    unit: 'ms',
    subject: 'producer-cpu.wharf-otel',
    baseline: 'producer-cpu.raw-otel',
    better: 'lower',
  },
  {
    id: 'request-p50',
    scenario: 'requests',
    label: (s) => `Request latency p50, ${n(s.sequentialRequests)} sequential (ms)`,
    unit: 'ms',
    subject: 'request-p50.wharf',
    baseline: 'request-p50.raw',
    better: 'lower',
  },
  {
    id: 'request-p99',
    scenario: 'requests',
    label: (s) => `Request latency p99, ${n(s.sequentialRequests)} sequential (ms)`,
    unit: 'ms',
    subject: 'request-p99.wharf',
    baseline: 'request-p99.raw',
    better: 'lower',
    target: 1.2,
  },
  {
    id: 'request-throughput',
    scenario: 'requests',
    label: (s) => `Request throughput, ${n(s.concurrentRequests)} at ${s.inFlight} in flight (requests/s)`,
    unit: 'requests/s',
    subject: 'request-rate.wharf',
    baseline: 'request-rate.raw',
    better: 'higher',
    target: 0.95,
  },
  {
    id: 'responder-cpu',
    scenario: 'requests',
    label: () => 'Responder CPU per request (µs)',
    unit: 'µs',
    subject: 'responder-cpu.wharf',
    baseline: 'responder-cpu.raw',
    better: 'lower',
  },
  {
    id: 'requester-cpu',
    scenario: 'requests',
    label: () => 'Requester CPU per request (µs)',
    unit: 'µs',
    subject: 'requester-cpu.wharf',
    baseline: 'requester-cpu.raw',
    better: 'lower',
  },
  {
    id: 'cold-start',
    scenario: 'cold-start',
    label: () => 'Cold start, spawn → /readyz 200, queues exist (ms)',
    unit: 'ms',
    subject: 'cold-restart.wharf',
    baseline: 'cold-restart.raw',
    better: 'lower',
    target: 1.4,
  },
  {
    id: 'cold-start-first',
    scenario: 'cold-start',
    label: () => 'Cold start, first deploy: declares its queues (ms)',
    unit: 'ms',
    subject: 'cold-first.wharf',
    baseline: 'cold-first.raw',
    better: 'lower',
  },
  {
    id: 'cold-start-load',
    scenario: 'cold-start',
    label: () => 'Cold start: loading and evaluating the code (ms)',
    unit: 'ms',
    subject: 'cold-load-restart.wharf',
    baseline: 'cold-load-restart.raw',
    better: 'lower',
  },
  {
    id: 'cold-start-connect',
    scenario: 'cold-start',
    label: () => 'Cold start: connecting, declaring, consuming (ms)',
    unit: 'ms',
    subject: 'cold-connect-restart.wharf',
    baseline: 'cold-connect-restart.raw',
    better: 'lower',
  },
  {
    id: 'ready-rss',
    scenario: 'cold-start',
    label: () => 'Peak RSS of an idle consumer when ready (MB)',
    unit: 'MB',
    subject: 'rss-ready-restart.wharf',
    baseline: 'rss-ready-restart.raw',
    better: 'lower',
  },
  {
    id: 'in-memory',
    scenario: 'memory',
    label: (s) => `In-memory bus, ${n(s.memoryEvents)} events validated on both sides (events/s)`,
    unit: 'events/s',
    subject: 'memory.wharf',
    better: 'higher',
  },
];

/** A row of the results: summaries over the rounds, the ratio of the medians and the verdict. */
export interface MetricResult {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly wharf: Summary;
  readonly baseline?: Summary;
  /** Median of Wharf / median of the baseline. */
  readonly ratio?: number;
  /** Wharf / baseline within each round (both ran back to back in it). */
  readonly roundRatios?: Summary;
  /** E.g. `≥ 0.95`. */
  readonly target?: string;
  readonly pass?: boolean;
}

/** Summarizes the samples of every metric that was measured. */
export function buildResults(samples: Samples, settings: BenchSettings): MetricResult[] {
  const results: MetricResult[] = [];
  for (const spec of METRICS) {
    const values = samples.values(spec.subject);
    if (values.length === 0) continue;
    const base = {
      id: spec.id,
      label: spec.label(settings),
      unit: spec.unit,
      better: spec.better,
      wharf: summarize(values),
    };
    const baselineValues = spec.baseline ? samples.values(spec.baseline) : [];
    if (!spec.baseline || baselineValues.length === 0) {
      results.push(base);
      continue;
    }
    const baseline = summarize(baselineValues);
    const ratio = base.wharf.median / baseline.median;
    const roundRatios = summarize(samples.ratios(spec.subject, spec.baseline));
    if (spec.target === undefined) {
      results.push({ ...base, baseline, ratio, roundRatios });
      continue;
    }
    const pass = spec.better === 'higher' ? ratio >= spec.target : ratio <= spec.target;
    results.push({
      ...base,
      baseline,
      ratio,
      roundRatios,
      target: `${spec.better === 'higher' ? '≥' : '≤'} ${spec.target}`,
      pass,
    });
  }
  return results;
}

/** A number as the table shows it: thousands separators for big ones, two significant decimals for small ones. */
export function formatNumber(value: number): string {
  const size = Math.abs(value);
  if (size >= 100) return Math.round(value).toLocaleString('en-US');
  if (size >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cell(summary: Summary | undefined): string {
  if (!summary) return '–';
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

/** The results as a Markdown table: median (min–max over the rounds), the ratio of medians (per-round range). */
export function formatTable(results: readonly MetricResult[]): string {
  const rows = [
    ['Metric', 'Wharf', 'raw amqplib', 'Ratio (per round)', 'Target', 'Result'],
    ['---', '--:', '--:', '--:', ':-:', ':-:'],
    ...results.map((result) => [
      result.label,
      cell(result.wharf),
      cell(result.baseline),
      result.ratio === undefined
        ? '–'
        : `${result.ratio.toFixed(2)} (${result.roundRatios ? `${result.roundRatios.min.toFixed(2)}–${result.roundRatios.max.toFixed(2)}` : '–'})`,
      result.target ?? 'info',
      result.pass === undefined ? '–' : result.pass ? 'pass' : '**miss**',
    ]),
  ];
  return rows.map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** The noisiest measured quantities: relative spread (max − min) / median, largest first. */
export function noiseOf(results: readonly MetricResult[]): { quantity: string; spread: number }[] {
  const spreads = results.flatMap((result) => [
    { quantity: `${result.id} (Wharf)`, spread: result.wharf.spread },
    ...(result.baseline ? [{ quantity: `${result.id} (baseline)`, spread: result.baseline.spread }] : []),
  ]);
  return spreads.sort((a, b) => b.spread - a.spread);
}

const run = promisify(execFile);

async function packageVersion(root: string, name: string): Promise<string> {
  try {
    const json = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return json.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** The versions that shape the numbers: the workspace's packages and its main dependencies. */
export async function versions(root: string): Promise<Record<string, string>> {
  const names = [
    '@wharf/sdk',
    '@wharf/amqp',
    'amqplib',
    'zod',
    'inversify',
    'pino',
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-node',
    '@opentelemetry/sdk-trace-base',
    'esbuild',
    'typescript',
  ];
  const entries = await Promise.all(
    names.map(async (name) => [name, await packageVersion(root, name)] as const),
  );
  let commit = 'unknown';
  try {
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })).stdout.trim();
    const dirty = (await run('git', ['status', '--porcelain'], { cwd: root })).stdout.trim() !== '';
    commit = dirty ? `${head} + uncommitted changes` : head;
  } catch {
    // Not a git checkout: the versions above still say what ran.
  }
  return { ...Object.fromEntries(entries), commit };
}

/** The machine a run measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly rabbitmq: string;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  readonly loadAverage1m: number;
}

/** The machine: CPU model and cores, memory, OS, Node, RabbitMQ, and the load average now. */
export function machine(rabbitmq: string): MachineInfo {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    rabbitmq,
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}
