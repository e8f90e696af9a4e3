import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let entry: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wharf-run-service-'));
  entry = join(dir, 'slow-service.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, '../testing/slow-service.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the service process; `onLine` may signal it. Resolves with its exit code and output lines. */
function run(env: Record<string, string>, onLine: (line: string, kill: (s: NodeJS.Signals) => void) => void = () => undefined) {
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env['PATH'] ?? '', AMQP_URL: 'memory://', ...env }, stdio: 'pipe' });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      onLine(line, (signal) => child.kill(signal));
    }
  });
  return new Promise<{ code: number | null; lines: string[]; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, lines, stderr })),
  );
}

describe('runService in a process', () => {
  it('lets a slow handler finish on SIGTERM, then exits 0', async () => {
    const { code, lines } = await run({ WORK_MS: '400' }, (line, kill) => line === 'handler started w1' && kill('SIGTERM'));
    expect(code).toBe(0);
    const plain = lines.filter((l) => !l.startsWith('{'));
    expect(plain).toEqual(['handler started w1', 'state draining', 'handler finished w1', 'state stopped', 'exiting']);
  });

  it('exits 1 with a message naming the variable when a setting is invalid', async () => {
    const { code, lines, stderr } = await run({ WHARF_PREFETCH: 'many' });
    expect(code).toBe(1);
    const fatal = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 60);
    expect(fatal?.msg).toBe('could not start slow: CONFIG_INVALID: WHARF_PREFETCH="many" is invalid: expected a whole number from 1 to 10000');
    // One fatal line says it all: no stack trace after it, and the exit hook (telemetry flush) still ran.
    expect(stderr).toBe('');
    expect(lines).toContain('exiting');
  });

  it('exits 1 with the failing variable when the app config does not parse', async () => {
    const { code, lines } = await run({ WORK_MS: 'soon' });
    expect(code).toBe(1);
    const fatal = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/^could not start slow: CONFIG_INVALID: Invalid configuration: WORK_MS: /);
  });
});
