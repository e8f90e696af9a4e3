import { request } from 'node:http';
import { createServer } from 'node:net';
import { deadLetterQueue, serviceQueue } from '@wharf/sdk';
import { median, percentile, ratePerSecond } from '../stats.js';
import { ENV } from '../protocol.js';
import type { BenchVhost } from './broker.js';
import type { Samples } from './samples.js';
import type { BenchSettings } from './settings.js';
import { Worker } from './worker.js';

/** What a scenario round needs from the run. */
export interface RoundContext {
  readonly settings: BenchSettings;
  readonly vhost: BenchVhost;
  readonly samples: Samples;
  readonly round: number;
  readonly log: (line: string) => void;
}

// `*-otel`: the OTel SDK registered in both processes; the raw one opens its spans by hand (raw-tracing.ts).
type Variant = 'wharf' | 'raw' | 'wharf-otel' | 'raw-otel';

const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 5;

/** `items` rotated left by `round`: each variant takes each position in turn over the rounds. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function bundles(variant: Variant): { service: string; client: string } {
  const kind = variant.startsWith('raw') ? 'raw' : 'wharf';
  const suffix = variant.endsWith('-otel') ? '-otel' : '';
  return { service: `${kind}-service${suffix}`, client: `${kind}-client${suffix}` };
}

function queuesOf(variant: Variant, name: string): string[] {
  return variant.startsWith('raw') ? [name] : [serviceQueue(name), deadLetterQueue(name)];
}

function workerEnv(
  context: RoundContext,
  variant: Variant,
  extra: Record<string, string>,
): Record<string, string> {
  const { settings, vhost } = context;
  return {
    [ENV.amqpUrl]: vhost.url,
    [ENV.prefetch]: String(settings.prefetch),
    WHARF_PREFETCH: String(settings.prefetch),
    ...extra,
  };
}

// With --profile: a V8 CPU profile per worker, named after what it ran.
function nodeArgs(context: RoundContext, label: string): string[] {
  const dir = context.settings.profileDir;
  return dir === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-r${context.round}.cpuprofile`];
}

// Starts `run` with a worker and always stops the worker afterwards.
async function using<T>(worker: Worker, run: (worker: Worker) => Promise<T>): Promise<T> {
  try {
    return await run(worker);
  } finally {
    await worker.stop();
  }
}

// Asks a worker for its CPU time and peak RSS.
function usageOf(worker: Worker) {
  worker.send({ type: 'usage' });
  return worker.next('usage', READY_TIMEOUT_MS);
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** Polls `/readyz` every few ms until it answers 200; resolves with `performance.now()` of that answer. */
export async function pollReady(port: number, worker: Worker, timeoutMs = READY_TIMEOUT_MS): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void worker.exited().then(() => (exited = true));
  while (performance.now() < deadline) {
    if ((await readyz(port)) === 200) return performance.now();
    if (exited) throw new Error(`${worker.name} exited before it was ready`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`${worker.name} was not ready within ${timeoutMs} ms`);
}

/**
 * Cold start of a consumer with one handler, Wharf vs raw: process spawn → `/readyz` 200, first on a fresh vhost
 * queue (first deploy: it declares its quorum queues) and again on the queues it left (a restart), then peak RSS.
 */
export async function coldStartRound(context: RoundContext): Promise<void> {
  for (const variant of rotate<Variant>(['wharf', 'raw'], context.round)) {
    const name = `cold-${variant}-r${context.round}`;
    try {
      for (const phase of ['first', 'restart'] as const) {
        const port = await freePort();
        const env = workerEnv(context, variant, {
          [ENV.role]: 'consumer',
          [ENV.service]: name,
          [ENV.healthPort]: String(port),
        });
        const worker = Worker.start(
          bundles(variant).service,
          env,
          nodeArgs(context, `cold-${phase}-${variant}`),
        );
        await using(worker, async () => {
          const readyAt = await pollReady(port, worker);
          context.samples.add(`cold-${phase}.${variant}`, context.round, readyAt - worker.spawnedAt);
          const { startup } = await worker.next('ready', READY_TIMEOUT_MS);
          context.samples.add(`cold-load-${phase}.${variant}`, context.round, startup.loadedMs);
          context.samples.add(
            `cold-connect-${phase}.${variant}`,
            context.round,
            startup.readyMs - startup.loadedMs,
          );
          const { usage } = await usageOf(worker);
          context.samples.add(`rss-ready-${phase}.${variant}`, context.round, usage.maxRssKb / 1024);
        });
      }
    } finally {
      await context.vhost.deleteQueues(queuesOf(variant, name));
    }
  }
  context.log(
    `cold start: wharf ${fmt(context.samples, 'cold-restart.wharf', context.round)} ms, raw ${fmt(context.samples, 'cold-restart.raw', context.round)} ms`,
  );
}

/**
 * End-to-end event throughput: a consumer process and a producer process, `settings.events` persistent events,
 * first publish → last ack; also the consumer's CPU per 1,000 events and peak RSS. Variants: Wharf, raw amqplib,
 * and both with the OTel SDK registered (raw amqplib instrumented by hand).
 */
export async function eventsRound(context: RoundContext): Promise<void> {
  const { settings, samples, round } = context;
  const timeoutMs = 60_000 + settings.events * 10;
  for (const variant of rotate<Variant>(['wharf', 'raw', 'wharf-otel', 'raw-otel'], round)) {
    const name = `events-${variant}-r${round}`;
    const { service, client } = bundles(variant);
    const common = {
      [ENV.service]: name,
      [ENV.count]: String(settings.events),
      [ENV.window]: String(settings.publishWindow),
    };
    try {
      const consumer = Worker.start(
        service,
        workerEnv(context, variant, { ...common, [ENV.role]: 'consumer' }),
        nodeArgs(context, `consumer-${variant}`),
      );
      await using(consumer, async () => {
        await consumer.next('ready', READY_TIMEOUT_MS);
        const producer = Worker.start(
          client,
          workerEnv(context, variant, { ...common, [ENV.role]: 'producer' }),
          nodeArgs(context, `producer-${variant}`),
        );
        await using(producer, async () => {
          await producer.next('ready', READY_TIMEOUT_MS);
          producer.send({ type: 'go' });
          const [produced, consumed] = await Promise.all([
            producer.next('produced', timeoutMs),
            consumer.next('consumed', timeoutMs),
          ]);
          const p = produced.stats;
          const c = consumed.stats;
          samples.add(`events.${variant}`, round, ratePerSecond(c.count, c.lastAckAt - p.firstPublishAt));
          samples.add(
            `publish.${variant}`,
            round,
            ratePerSecond(p.count, p.lastConfirmAt - p.firstPublishAt),
          );
          samples.add(`consumer-cpu.${variant}`, round, (c.cpuUserUs + c.cpuSystemUs) / c.count);
          samples.add(`producer-cpu.${variant}`, round, (p.cpuUserUs + p.cpuSystemUs) / p.count);
          samples.add(`consumer-cpu-system.${variant}`, round, c.cpuSystemUs / c.count);
          samples.add(`consumer-rss.${variant}`, round, c.maxRssKb / 1024);
          samples.add(`producer-rss.${variant}`, round, p.maxRssKb / 1024);
          samples.add(`consumer-writes.${variant}`, round, (c.writeSyscalls * 1000) / c.count);
          samples.add(`consumer-reads.${variant}`, round, (c.readSyscalls * 1000) / c.count);
          samples.add(`producer-writes.${variant}`, round, (p.writeSyscalls * 1000) / p.count);
          if (c.spans !== undefined) samples.add(`consumer-spans.${variant}`, round, c.spans);
          if (p.spans !== undefined) samples.add(`producer-spans.${variant}`, round, p.spans);
        });
      });
    } finally {
      await context.vhost.deleteQueues(queuesOf(variant, name));
    }
  }
  context.log(
    `events/s: wharf ${fmt(samples, 'events.wharf', round)}, raw ${fmt(samples, 'events.raw', round)}, wharf+otel ${fmt(samples, 'events.wharf-otel', round)}, raw+otel ${fmt(samples, 'events.raw-otel', round)}`,
  );
}

/**
 * Request/reply: a responder process and a requester process; sequential requests (p50/p99 latency), then
 * requests at `settings.inFlight` in flight (throughput). Wharf `bus.request` vs raw amqplib with direct reply-to.
 */
export async function requestsRound(context: RoundContext): Promise<void> {
  const { settings, samples, round } = context;
  const timeoutMs = 60_000 + (settings.sequentialRequests + settings.concurrentRequests) * 20;
  for (const variant of rotate<Variant>(['wharf', 'raw'], round)) {
    const name = `requests-${variant}-r${round}`;
    const { service, client } = bundles(variant);
    try {
      const responder = Worker.start(
        service,
        workerEnv(context, variant, { [ENV.role]: 'responder', [ENV.service]: name }),
        nodeArgs(context, `responder-${variant}`),
      );
      await using(responder, async () => {
        await responder.next('ready', READY_TIMEOUT_MS);
        const before = await usageOf(responder);
        const env = workerEnv(context, variant, {
          [ENV.role]: 'requester',
          [ENV.service]: name,
          [ENV.warmup]: String(settings.warmupRequests),
          [ENV.sequential]: String(settings.sequentialRequests),
          [ENV.concurrent]: String(settings.concurrentRequests),
          [ENV.inFlight]: String(settings.inFlight),
        });
        const requester = Worker.start(client, env, nodeArgs(context, `requester-${variant}`));
        await using(requester, async () => {
          await requester.next('ready', READY_TIMEOUT_MS);
          requester.send({ type: 'go' });
          const { stats } = await requester.next('requested', timeoutMs);
          samples.add(`request-p50.${variant}`, round, median(stats.latenciesMs));
          samples.add(`request-p99.${variant}`, round, percentile(stats.latenciesMs, 99));
          samples.add(
            `request-rate.${variant}`,
            round,
            ratePerSecond(stats.concurrentCount, stats.concurrentMs),
          );
          const after = await usageOf(responder);
          samples.add(
            `responder-cpu.${variant}`,
            round,
            (after.usage.cpuUs - before.usage.cpuUs) / stats.total,
          );
          samples.add(`requester-cpu.${variant}`, round, stats.cpuUs / stats.total);
        });
      });
    } finally {
      await context.vhost.deleteQueues(queuesOf(variant, name));
    }
  }
  context.log(
    `requests: p99 wharf ${fmt(samples, 'request-p99.wharf', round)} ms, raw ${fmt(samples, 'request-p99.raw', round)} ms; ` +
      `at ${settings.inFlight} in flight wharf ${fmt(samples, 'request-rate.wharf', round)}/s, raw ${fmt(samples, 'request-rate.raw', round)}/s`,
  );
}

/** The in-memory bus: events/s through `InMemoryTransport` with validation, in a process of its own. */
export async function memoryRound(context: RoundContext): Promise<void> {
  const { settings, samples, round } = context;
  const env = { [ENV.count]: String(settings.memoryEvents), [ENV.window]: String(settings.publishWindow) };
  const worker = Worker.start('in-memory', env, nodeArgs(context, 'in-memory'));
  await using(worker, async () => {
    const { stats } = await worker.next('memory', 60_000 + settings.memoryEvents);
    samples.add('memory.wharf', round, ratePerSecond(stats.count, stats.elapsedMs));
    await worker.exited();
  });
  context.log(`in-memory events/s: ${fmt(samples, 'memory.wharf', round)}`);
}

// The value of `key` in `round`, for the progress lines.
function fmt(samples: Samples, key: string, round: number): string {
  const value = samples.at(key, round);
  if (value === undefined) return '–';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}
