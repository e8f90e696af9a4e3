import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../../..');

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One app's built bundle (`nx build <app>`) running as its own process, as it would in production. */
export class AppProcess {
  readonly app: string;
  readonly httpPort: number;
  readonly healthPort: number;
  readonly #env: Record<string, string>;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(app: string, httpPort: number, healthPort: number, env: Record<string, string>) {
    this.app = app;
    this.httpPort = httpPort;
    this.healthPort = healthPort;
    this.#env = env;
  }

  /** Picks free ports for an app; `start` runs it. */
  static async create(app: string, env: Record<string, string>): Promise<AppProcess> {
    return new AppProcess(app, await freePort(), await freePort(), env);
  }

  /** The bundle that `nx build <app>` wrote. */
  static bundle(app: string): string {
    const path = join(root, 'dist/apps', app, 'main.mjs');
    if (!existsSync(path)) throw new Error(`${path} is missing: run "npx nx build ${app}" (nx test e2e does it first)`);
    return path;
  }

  /** Base URL of the app's HTTP API. */
  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Everything the process printed so far. */
  get output(): string {
    return this.#output;
  }

  /** Runs the bundle once with arguments (e.g. `topology apply`) and resolves with its exit code. */
  async runOnce(...args: string[]): Promise<number> {
    const child = spawn(process.execPath, [AppProcess.bundle(this.app), ...args], { env: this.#processEnv(), stdio: 'pipe' });
    child.stdout.on('data', (d: Buffer) => (this.#output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.#output += d.toString()));
    return new Promise((done) => child.once('exit', (code) => done(code ?? -1)));
  }

  /** Starts the process and waits until its `/readyz` answers 200. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--enable-source-maps', AppProcess.bundle(this.app)], { env: this.#processEnv(), stdio: 'pipe' });
    child.stdout?.on('data', (d: Buffer) => (this.#output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.#output += d.toString()));
    this.#child = child;
    await eventually(`${this.app} to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${this.app} exited with ${child.exitCode}:\n${this.#output}`);
      return (await this.ready()) === 200;
    });
  }

  /** The status `/readyz` answers now. */
  async ready(): Promise<number> {
    return (await fetch(`http://127.0.0.1:${this.healthPort}/readyz`)).status;
  }

  /** Sends a signal and resolves with the exit code (or the signal's name). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? 0);
    return new Promise((done) => {
      child.once('exit', (code, killedBy) => done(code ?? killedBy ?? -1));
      child.kill(signal);
    });
  }

  #processEnv(): Record<string, string> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
    return { ...inherited, LOG_LEVEL: 'warn', ...this.#env, HTTP_PORT: String(this.httpPort), HEALTH_PORT: String(this.healthPort) };
  }
}
