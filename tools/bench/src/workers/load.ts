// The load shapes and meters both variants use, so that Wharf and raw amqplib are driven the same way.
// Nothing here imports Wharf.
import { randomUUID } from 'node:crypto';
import type { ConsumerStats, ProducerStats, RequesterStats } from '../protocol.js';
import { maxRssKb, syscalls, wallClock } from './worker-io.js';

/** Runs `count` operations with at most `window` of them unfinished at any time. */
export async function windowed(
  count: number,
  window: number,
  operation: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await operation(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(window, count)) }, lane));
}

/** Runs `count` operations one after the other and returns each one's latency in ms. */
export async function sequential(
  count: number,
  operation: (index: number) => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await operation(index);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** The payload of a benchmark event: the shape of `chat.message-posted`, about 200 bytes of JSON. */
export interface SamplePayload {
  messageId: string;
  room: string;
  author: string;
  text: string;
  postedAt: string;
}

const TEXT = 'The quick brown fox jumps over the lazy dog, then naps.';

/** A fresh event payload; each call makes a new id and timestamp, as a real producer would. */
export function samplePayload(index: number): SamplePayload {
  return {
    messageId: randomUUID(),
    room: `room-${index % 16}`,
    author: 'bench-producer',
    text: TEXT,
    postedAt: new Date().toISOString(),
  };
}

/** The request payload of the echo query. */
export function echoRequest(seq: number): { seq: number; text: string } {
  return { seq, text: 'ping from the benchmark requester' };
}

/**
 * Counts a consumer's deliveries and acks; after the `expected`th ack it hands `done` the elapsed time and the
 * CPU the process used since the first delivery.
 */
export class ConsumeMeter {
  readonly #expected: number;
  readonly #done: (stats: ConsumerStats) => void;
  #firstDeliveryAt = 0;
  #cpu: NodeJS.CpuUsage | undefined;
  #syscalls = { reads: 0, writes: 0 };
  #received = 0;
  #acked = 0;

  constructor(expected: number, done: (stats: ConsumerStats) => void) {
    this.#expected = expected;
    this.#done = done;
  }

  /** Messages received so far. */
  get receivedCount(): number {
    return this.#received;
  }

  /** Call when a message arrives; the first one starts the clock. */
  received(): void {
    this.#received += 1;
    if (this.#cpu !== undefined) return;
    this.#cpu = process.cpuUsage();
    this.#syscalls = syscalls();
    this.#firstDeliveryAt = wallClock();
  }

  /** Call after a message is acked; the last expected one reports. */
  acked(): void {
    this.#acked += 1;
    if (this.#acked !== this.#expected) return;
    const lastAckAt = wallClock();
    const cpu = process.cpuUsage(this.#cpu);
    const io = syscalls();
    this.#done({
      count: this.#acked,
      firstDeliveryAt: this.#firstDeliveryAt,
      lastAckAt,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      maxRssKb: maxRssKb(),
      readSyscalls: io.reads - this.#syscalls.reads,
      writeSyscalls: io.writes - this.#syscalls.writes,
    });
  }
}

/** Publishes `count` events with at most `window` unconfirmed, then returns the timing and CPU used. */
export async function produce(
  count: number,
  window: number,
  publish: (index: number) => Promise<unknown>,
): Promise<ProducerStats> {
  const cpu = process.cpuUsage();
  const io = syscalls();
  const firstPublishAt = wallClock();
  await windowed(count, window, publish);
  const lastConfirmAt = wallClock();
  const used = process.cpuUsage(cpu);
  const after = syscalls();
  return {
    count,
    firstPublishAt,
    lastConfirmAt,
    cpuUserUs: used.user,
    cpuSystemUs: used.system,
    maxRssKb: maxRssKb(),
    readSyscalls: after.reads - io.reads,
    writeSyscalls: after.writes - io.writes,
  };
}

/** Warms up, then runs `sequentialCount` requests one at a time and `concurrentCount` with `inFlight` at once. */
export async function requestLoad(
  options: { warmup: number; sequentialCount: number; concurrentCount: number; inFlight: number },
  request: (index: number) => Promise<unknown>,
): Promise<RequesterStats> {
  const cpu = process.cpuUsage();
  await windowed(options.warmup, 1, request);
  const latenciesMs = await sequential(options.sequentialCount, request);
  const started = performance.now();
  await windowed(options.concurrentCount, options.inFlight, request);
  const concurrentMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    latenciesMs,
    concurrentCount: options.concurrentCount,
    concurrentMs,
    inFlight: options.inFlight,
    cpuUs: used.user + used.system,
    total: options.warmup + options.sequentialCount + options.concurrentCount,
  };
}
