import { connect, type ChannelModel } from 'amqplib';
import { WharfError } from '@wharf/sdk';
import { backoffDelay, pause } from './backoff.js';
import { coalesceWrites } from './coalesce-writes.js';

/** What a {@link ConnectionManager} needs: where to connect, how, and what to do on each connection. */
export interface ConnectionManagerOptions {
  /** Broker URLs (a cluster), tried in turn. */
  readonly urls: readonly string[];
  /** Shown to the broker's operators as `connection_name`. */
  readonly service: string;
  readonly heartbeatSeconds: number;
  /** How long `start()` keeps trying before it fails. */
  readonly connectTimeoutMs: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** How long `close()` waits for the broker's close-ok before it drops the socket. */
  readonly closeTimeoutMs: number;
  /** Runs on every new connection before it counts as up: declare, open channels, attach consumers. */
  readonly setup: (model: ChannelModel) => Promise<void>;
  /** The connection that was up is gone; a reconnect has started. */
  readonly onDown: (cause: Error) => void;
  /** A connection is up and set up. */
  readonly onUp: (model: ChannelModel) => void;
}

// Longest wait for one TCP connect; a black-holed node of a cluster must not hold up the next one for long.
const SOCKET_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Keeps one AMQP connection up: connects to the first reachable URL, runs the setup on it, and after a loss
 * reconnects with capped exponential backoff until it is closed. Only a set-up connection is handed out.
 */
export class ConnectionManager {
  readonly #options: ConnectionManagerOptions;
  readonly #stopped = new AbortController();
  readonly #upWaiters = new Set<() => void>();
  #model: ChannelModel | undefined;
  #recoverCause: Error | undefined;
  #reconnecting: Promise<void> | undefined;

  constructor(options: ConnectionManagerOptions) {
    if (options.urls.length === 0) {
      throw new WharfError('CONFIG_INVALID', 'AmqpTransport needs at least one broker URL', {
        retryable: false,
      });
    }
    this.#options = options;
  }

  /** The connection that is up and set up, if any. */
  get model(): ChannelModel | undefined {
    return this.#model;
  }

  /** Connects for the first time, retrying every URL with backoff for up to `connectTimeoutMs`. */
  start(): Promise<void> {
    return this.#establish(Date.now() + this.#options.connectTimeoutMs);
  }

  /** Waits until a connection is up; undefined if none is by `deadline` or the manager was closed. */
  async whenUp(deadline: number): Promise<ChannelModel | undefined> {
    while (!this.#model && !this.#stopped.signal.aborted && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#upWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, deadline - Date.now());
        this.#upWaiters.add(wake);
      });
    }
    return this.#model;
  }

  /** Drops `model` to rebuild everything on a fresh connection (a channel died under a live connection). */
  recover(model: ChannelModel, cause: Error): void {
    if (this.#model !== model || this.#recoverCause) return;
    this.#recoverCause = cause;
    model.close().catch(() => undefined);
  }

  /** Stops reconnecting and closes the connection. */
  async close(): Promise<void> {
    this.#stopped.abort();
    this.#wakeWaiters();
    const model = this.#model;
    this.#model = undefined;
    if (model) await closeWithin(model, this.#options.closeTimeoutMs);
    await this.#reconnecting;
  }

  async #establish(deadline: number | undefined): Promise<void> {
    const { urls, minDelayMs, maxDelayMs } = this.#options;
    let lastError: unknown;
    for (let attempt = 0; ; attempt += 1) {
      for (const url of urls) {
        if (this.#stopped.signal.aborted) throw closedError();
        try {
          await this.#open(url);
          return;
        } catch (error) {
          lastError = error;
        }
      }
      const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
      if (this.#stopped.signal.aborted) throw closedError();
      if (left <= 0) {
        const reason = lastError instanceof Error ? lastError.message : String(lastError);
        throw new WharfError(
          'TRANSPORT_UNAVAILABLE',
          `Could not connect to RabbitMQ at ${urls.map(redact).join(', ')}: ${reason}`,
          {
            cause: lastError,
            data: { urls: urls.map(redact) },
          },
        );
      }
      await pause(Math.min(left, backoffDelay(attempt, minDelayMs, maxDelayMs)), this.#stopped.signal);
    }
  }

  async #open(url: string): Promise<void> {
    const { service, heartbeatSeconds } = this.#options;
    const model = await connect(withHeartbeat(url, heartbeatSeconds), {
      // Nagle's algorithm holds a small frame (an ack after a reply) for ~40 ms; messages are latency-bound.
      noDelay: true,
      timeout: SOCKET_CONNECT_TIMEOUT_MS,
      clientProperties: { connection_name: service },
    });
    coalesceWrites(model);
    let up = false;
    let closedBy: Error | undefined;
    let closed = false;
    // The 'close' event that follows an 'error' carries the same cause; without a listener 'error' would crash.
    model.on('error', () => undefined);
    model.on('close', (error?: Error) => {
      closed = true;
      closedBy = error;
      if (up) this.#lost(model, error);
    });
    try {
      await this.#options.setup(model);
      // The close frame can arrive in the same read as the last setup reply, before this line runs.
      if (closed) throw closedBy ?? new Error('The connection closed during setup');
      if (this.#stopped.signal.aborted) throw closedError();
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
    up = true;
    this.#model = model;
    this.#options.onUp(model);
    this.#wakeWaiters();
  }

  #lost(model: ChannelModel, error: Error | undefined): void {
    if (this.#model === model) this.#model = undefined;
    if (this.#stopped.signal.aborted) return;
    const cause = this.#recoverCause ?? error ?? new Error('The broker closed the connection');
    this.#recoverCause = undefined;
    this.#options.onDown(cause);
    // Runs until a connection is up again or the manager is closed (it never gives up on its own).
    this.#reconnecting = this.#establish(undefined).catch(() => undefined);
  }

  #wakeWaiters(): void {
    const waiters = [...this.#upWaiters];
    this.#upWaiters.clear();
    for (const wake of waiters) wake();
  }
}

// A stalled peer never sends close-ok: after the bound, drop the socket (amqplib has no public way to).
async function closeWithin(model: ChannelModel, timeoutMs: number): Promise<void> {
  const stop = new AbortController();
  const closed = model.close().then(
    () => true,
    () => true,
  );
  const inTime = await Promise.race([closed, pause(timeoutMs, stop.signal).then(() => false)]);
  stop.abort();
  // With an error, so that amqplib (which listens for 'error' and 'end') closes its channels and connection.
  const socket = (model.connection as unknown as { stream?: { destroy?: (error: Error) => void } }).stream;
  if (!inTime) socket?.destroy?.(new Error(`No close-ok from RabbitMQ within ${timeoutMs} ms`));
}

function closedError(): WharfError {
  return new WharfError('TRANSPORT_UNAVAILABLE', 'The transport is closed');
}

/** `url` with `?heartbeat=` set unless it has one: a dead peer is noticed within about two heartbeats. */
export function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}

/** `url` without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
