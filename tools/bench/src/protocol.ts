/** What a consumer or producer process used over its measured span. */
export interface ProcessStats {
  readonly count: number;
  /** CPU time of the process over the span, in microseconds. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Peak resident set size of the process so far, in KiB. */
  readonly maxRssKb: number;
  /** Read and write system calls over the span (Linux; 0 elsewhere). */
  readonly readSyscalls: number;
  readonly writeSyscalls: number;
  /** Spans the in-memory exporter received (OTel variant only). */
  readonly spans?: number;
}

/** What a consumer reports once it has acked every expected event: the span runs from first delivery to last ack. */
export interface ConsumerStats extends ProcessStats {
  /** Wall-clock ms (performance.timeOrigin + now) of the first delivery and of the last ack. */
  readonly firstDeliveryAt: number;
  readonly lastAckAt: number;
}

/** What a producer reports once every event is confirmed: the span runs from first publish to last confirm. */
export interface ProducerStats extends ProcessStats {
  readonly firstPublishAt: number;
  readonly lastConfirmAt: number;
}

/** A worker's resource usage so far. */
export interface Usage {
  /** User + system CPU time since the process started, in microseconds. */
  readonly cpuUs: number;
  /** Peak resident set size, in KiB. */
  readonly maxRssKb: number;
}

/** What a requester reports: sequential latencies and the time of a run at a fixed number in flight. */
export interface RequesterStats {
  /** One latency per sequential request, in ms. */
  readonly latenciesMs: readonly number[];
  readonly concurrentCount: number;
  readonly concurrentMs: number;
  readonly inFlight: number;
  /** CPU time of the requester process over every request (warm-up included), in microseconds. */
  readonly cpuUs: number;
  /** Requests made in all: warm-up, sequential and concurrent. */
  readonly total: number;
}

/** What the in-memory worker reports. */
export interface MemoryStats {
  readonly count: number;
  readonly elapsedMs: number;
}

/** Where a worker's start went: ms since the process started (performance.now()) at two points. */
export interface Startup {
  /** Its code is loaded and evaluated: the worker's main function begins. */
  readonly loadedMs: number;
  /** Connected, declared and consuming (and serving /readyz, when asked to). */
  readonly readyMs: number;
}

/** Messages a worker sends to the runner over the IPC channel. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly startup: Startup }
  | { readonly type: 'consumed'; readonly stats: ConsumerStats }
  | { readonly type: 'produced'; readonly stats: ProducerStats }
  | { readonly type: 'requested'; readonly stats: RequesterStats }
  | { readonly type: 'memory'; readonly stats: MemoryStats }
  | { readonly type: 'usage'; readonly usage: Usage }
  | { readonly type: 'failed'; readonly message: string };

/** Messages the runner sends to a worker: start the load, or report its resource usage. */
export type RunnerMessage = { readonly type: 'go' } | { readonly type: 'usage' };

/** The environment variables the runner sets for workers. */
export const ENV = {
  role: 'BENCH_ROLE',
  service: 'BENCH_SERVICE',
  count: 'BENCH_COUNT',
  window: 'BENCH_WINDOW',
  prefetch: 'BENCH_PREFETCH',
  warmup: 'BENCH_WARMUP',
  sequential: 'BENCH_SEQUENTIAL',
  concurrent: 'BENCH_CONCURRENT',
  inFlight: 'BENCH_IN_FLIGHT',
  healthPort: 'HEALTH_PORT',
  amqpUrl: 'AMQP_URL',
} as const;
