import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunnerMessage, WorkerMessage } from '../protocol.js';

type MessageOf<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

interface Waiter {
  readonly type: WorkerMessage['type'];
  readonly resolve: (message: WorkerMessage) => void;
  readonly reject: (error: Error) => void;
}

/** Where the bundled workers are: next to the runner's own bundle, in dist/bench/<name>/main.mjs. */
export function bundlePath(name: string): string {
  return join(import.meta.dirname, '..', name, 'main.mjs');
}

const TAIL_LINES = 40;

/**
 * A worker process started from its bundle with an IPC channel: awaits its messages by type, keeps the tail of
 * its output for error messages, and stops it with SIGTERM (SIGKILL after a deadline).
 */
export class Worker {
  readonly name: string;
  /** `performance.now()` just before the process was spawned. */
  readonly spawnedAt: number;
  readonly #child: ChildProcess;
  readonly #inbox: WorkerMessage[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #tail: string[] = [];
  readonly #exited: Promise<void>;
  #exitReason: string | undefined;

  private constructor(name: string, env: Readonly<Record<string, string>>, nodeArgs: readonly string[]) {
    this.name = name;
    this.spawnedAt = performance.now();
    this.#child = spawn(process.execPath, [...nodeArgs, bundlePath(name)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.#keep(chunk));
    }
    this.#child.on('message', (message: WorkerMessage) => this.#receive(message));
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exitReason = signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
        this.#failAll(`${this.name} ${this.#exitReason}`);
        resolve();
      });
      this.#child.once('error', (error) => {
        this.#exitReason = `could not start: ${error.message}`;
        this.#failAll(`${this.name} ${this.#exitReason}`);
        resolve();
      });
    });
  }

  /** Starts the bundle `name` with `env` added to the runner's environment. */
  static start(
    name: string,
    env: Readonly<Record<string, string>>,
    nodeArgs: readonly string[] = [],
  ): Worker {
    return new Worker(name, env, nodeArgs);
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Resolves with the first message of `type` (one already received counts); rejects on failure, exit or timeout. */
  next<T extends WorkerMessage['type']>(type: T, timeoutMs: number): Promise<MessageOf<T>> {
    const index = this.#inbox.findIndex((message) => message.type === type);
    if (index >= 0) return Promise.resolve(this.#inbox.splice(index, 1)[0] as MessageOf<T>);
    if (this.#exitReason !== undefined)
      return Promise.reject(this.#error(`${this.name} ${this.#exitReason}`));
    return new Promise<MessageOf<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(this.#error(`${this.name} sent no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        type,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message as MessageOf<T>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Sends a message to the worker. */
  send(message: RunnerMessage): void {
    this.#child.send(message);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; resolves once it has exited. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.#exitReason !== undefined) return;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.#exited, killed]);
    clearTimeout(timer);
    await this.#exited;
  }

  /** Resolves once the process has exited on its own. */
  exited(): Promise<void> {
    return this.#exited;
  }

  #receive(message: WorkerMessage): void {
    if (message.type === 'failed') {
      this.#failAll(`${this.name} failed: ${message.message}`);
      return;
    }
    for (const waiter of this.#waiters) {
      if (waiter.type !== message.type) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(message);
      return;
    }
    this.#inbox.push(message);
  }

  #failAll(reason: string): void {
    const error = this.#error(reason);
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }

  #error(reason: string): Error {
    const tail = this.#tail.join('\n').trim();
    return new Error(tail ? `${reason}\n--- last output of ${this.name} ---\n${tail}` : reason);
  }

  #keep(chunk: string): void {
    this.#tail.push(...chunk.split('\n').filter((line) => line !== ''));
    if (this.#tail.length > TAIL_LINES) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
  }
}
