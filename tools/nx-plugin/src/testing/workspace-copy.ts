import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** What a finished command printed. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Entries of the shared node_modules kept out of the copy: caches, and the lockfile npm rewrites. */
const notShared = new Set(['@wharf', '.cache', '.vite', '.vite-temp', '.package-lock.json']);

/** The environment of commands in the copy: this process's, minus what an outer Nx or vitest run set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(NX_|VITEST|VITE_)/.test(key) || key === 'NODE_ENV' || key === 'TEST') continue;
    env[key] = value;
  }
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
}

function tail(text: string, length = 6_000): string {
  return text.length > length ? `...${text.slice(-length)}` : text;
}

/**
 * A copy of a workspace in a temp dir (the files `git ls-files -co --exclude-standard` lists), made a git
 * repository with one commit so `nx affected` has a base. Its node_modules links to the original's packages,
 * except `@wharf/*`, which link to the copy's own workspace packages.
 */
export class WorkspaceCopy {
  readonly env = cleanEnv();

  private constructor(
    readonly root: string,
    readonly base: string,
  ) {}

  /** Copies `source` and commits the copy; resolves once `git rev-parse HEAD` is known. */
  static async create(source: string): Promise<WorkspaceCopy> {
    const root = await mkdtemp(join(tmpdir(), 'wharf-nx-plugin-'));
    try {
      const { stdout } = await run(
        'git',
        ['ls-files', '-co', '--exclude-standard', '-z'],
        source,
        process.env,
      );
      const files = stdout.split('\0').filter(Boolean);
      for (let i = 0; i < files.length; i += 64) {
        await Promise.all(
          files.slice(i, i + 64).map((file) => copyIfFile(join(source, file), join(root, file))),
        );
      }
      await linkNodeModules(join(source, 'node_modules'), join(root, 'node_modules'));
      const copy = new WorkspaceCopy(root, '');
      await copy.git('init', '-q');
      await copy.git('add', '-A');
      await copy.git('commit', '-q', '--no-verify', '-m', 'base');
      const head = (await copy.git('rev-parse', 'HEAD')).stdout.trim();
      return new WorkspaceCopy(root, head);
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Runs `npx <args>` in the copy; rejects with the command's output when it fails or outlives `timeoutMs`. */
  npx(args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
    return run('npx', args, this.root, this.env, timeoutMs);
  }

  /** Runs git in the copy with a fixed identity. */
  git(...args: string[]): Promise<RunResult> {
    return run(
      'git',
      ['-c', 'user.name=nx-plugin e2e', '-c', 'user.email=e2e@wharf.invalid', ...args],
      this.root,
      this.env,
    );
  }

  /** Starts `node <args>` in the copy as a child process whose JSON log lines can be awaited. */
  node(args: readonly string[], env: Readonly<Record<string, string>>): AppProcess {
    return new AppProcess(
      spawn(process.execPath, args, {
        cwd: this.root,
        env: { ...this.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** Deletes the copy. */
  dispose(): Promise<void> {
    return rm(this.root, { recursive: true, force: true });
  }
}

async function copyIfFile(from: string, to: string): Promise<void> {
  const info = await stat(from).catch(() => undefined);
  // Listed but deleted in the working tree: the copy mirrors the working tree.
  if (!info?.isFile()) return;
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

async function linkNodeModules(from: string, to: string): Promise<void> {
  await mkdir(join(to, '@wharf'), { recursive: true });
  for (const entry of await readdir(from)) {
    if (!notShared.has(entry)) await symlink(join(from, entry), join(to, entry));
  }
  // Workspace packages link relatively (../../packages/sdk), so the same link inside the copy points into it.
  for (const entry of await readdir(join(from, '@wharf'))) {
    await symlink(await readlink(join(from, '@wharf', entry)), join(to, '@wharf', entry));
  }
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const reason = error.killed
            ? `was stopped after ${timeoutMs} ms`
            : `failed (${error.code ?? error.signal})`;
          reject(
            new Error(
              `\`${command} ${args.join(' ')}\` ${reason}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
            ),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** One JSON log line of a service (pino). */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string };

interface LogWaiter {
  readonly matches: (line: LogLine) => boolean;
  readonly resolve: (line: LogLine) => void;
}

/** A service started as a process: its log lines as they come, and its exit. */
export class AppProcess {
  readonly #lines: LogLine[] = [];
  readonly #waiters = new Set<LogWaiter>();
  readonly #exit: Promise<number | null>;
  #output = '';

  constructor(readonly child: ChildProcess) {
    this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString('utf8')));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      this.#output += `${text}\n`;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.#lines.push(line);
      for (const waiter of this.#waiters) {
        if (waiter.matches(line)) {
          this.#waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    });
  }

  /** Resolves with the first log line that matches, or rejects at the deadline or when the process exits. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.#lines.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`${reason}; output:\n${tail(this.#output)}`));
      };
      const waiter: LogWaiter = {
        matches,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => fail(`No matching log line within ${timeoutMs} ms`), timeoutMs);
      this.#waiters.add(waiter);
      void this.#exit.then((code) => {
        if (this.#waiters.has(waiter)) fail(`The process exited (${code}) before a matching log line`);
      });
    });
  }

  /** Sends SIGTERM and resolves with the exit code, or rejects at the deadline. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`Still running ${timeoutMs} ms after SIGTERM; output:\n${tail(this.#output)}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#exit, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process if it still runs (cleanup after a failed test). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
