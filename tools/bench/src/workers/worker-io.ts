// Helpers every worker shares. Nothing here imports Wharf: the raw amqplib workers use them too.
import { readFileSync } from 'node:fs';
import { ENV, type ConsumerStats, type ProducerStats, type RunnerMessage, type WorkerMessage } from '../protocol.js';

/** Options of a worker's main: the OTel variants count the spans they exported. */
export interface WorkerOptions {
  /** Counts the spans exported so far; set, the raw workers also open a span per message (`raw-tracing.ts`). */
  readonly spans?: () => Promise<number>;
}

/** Reports `ready` with the startup timings; `loadedMs` is `performance.now()` when the worker's main began. */
export function reportReady(loadedMs: number): void {
  report({ type: 'ready', startup: { loadedMs, readyMs: performance.now() } });
}

/** Sends a message to the runner (workers are started with an IPC channel). */
export function report(message: WorkerMessage): void {
  process.send?.(message);
}

/** Reports a consumer's stats, with the spans it exported when it counts them. */
export function reportConsumed(stats: ConsumerStats, spans: (() => Promise<number>) | undefined): void {
  if (!spans) return report({ type: 'consumed', stats });
  // Once the last consumer span has ended: it ends right after the settle that triggered this report.
  setImmediate(() => void spans().then((count) => report({ type: 'consumed', stats: { ...stats, spans: count } }), fail));
}

/** Reports a producer's stats, with the spans it exported when it counts them. */
export async function reportProduced(stats: ProducerStats, spans: (() => Promise<number>) | undefined): Promise<void> {
  report({ type: 'produced', stats: spans ? { ...stats, spans: await spans() } : stats });
}

/** Calls `handler` for every message the runner sends. */
export function onRunnerMessage(handler: (message: RunnerMessage) => void): void {
  process.on('message', (message: RunnerMessage) => handler(message));
}

/** Resolves on the runner's `go`. */
export function whenGo(): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: RunnerMessage) => {
      if (message.type !== 'go') return;
      process.off('message', listener);
      resolve();
    };
    process.on('message', listener);
  });
}

/** Answers the runner's `usage` requests with the process's CPU time and peak resident set size. */
export function answerUsageRequests(): void {
  onRunnerMessage((message) => {
    if (message.type !== 'usage') return;
    const cpu = process.cpuUsage();
    report({ type: 'usage', usage: { cpuUs: cpu.user + cpu.system, maxRssKb: maxRssKb() } });
  });
}

/** A required environment variable. */
export function envText(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/** A whole-number environment variable, or `fallback` when unset. */
export function envInt(name: string, fallback?: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) throw new Error(`${name} is not set`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${raw} is not a whole number`);
  return value;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Peak resident set size of this process, in KiB. */
export function maxRssKb(): number {
  return process.resourceUsage().maxRSS;
}

/** Reports a failure to the runner and exits 1. */
export function fail(error: unknown): never {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  report({ type: 'failed', message });
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Runs `stop` on SIGTERM, then exits 0 (or 1 when it throws). */
export function onTerminate(stop: () => Promise<unknown>): void {
  process.once('SIGTERM', () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

/** Read and write system calls of this process so far (Linux `/proc/self/io`); zeros elsewhere. */
export function syscalls(): { reads: number; writes: number } {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? 0);
    return { reads: field('syscr'), writes: field('syscw') };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

/** The request load the runner asked for: warm-up, sequential and concurrent counts, and how many in flight. */
export function requestShape(): { warmup: number; sequentialCount: number; concurrentCount: number; inFlight: number } {
  return {
    warmup: envInt(ENV.warmup),
    sequentialCount: envInt(ENV.sequential),
    concurrentCount: envInt(ENV.concurrent),
    inFlight: envInt(ENV.inFlight),
  };
}
