// `npm test`: lint, typecheck and every project's tests, then the module-boundary and `nx affected:test` proofs.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// No daemon: CI runs each command once, and a daemon left behind would outlive the job.
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

// Extra arguments go to `nx run-many`, so `npm test -- -p sdk contracts` narrows the first step only.
const runManyArgs = process.argv.slice(2);

const steps = [
  {
    name: 'nx run-many -t lint typecheck test',
    command: 'npx',
    // Two cores: more parallel tasks only make the RabbitMQ integration specs slower and flakier.
    args: [
      'nx',
      'run-many',
      '-t',
      'lint',
      'typecheck',
      'test',
      '--parallel=2',
      '--outputStyle=static',
      ...runManyArgs,
    ],
  },
  { name: 'module boundaries', command: process.execPath, args: ['tools/scripts/check-boundaries.mjs'] },
  { name: 'nx affected:test', command: process.execPath, args: ['tools/scripts/check-affected.mjs'] },
];

/** Runs one step with inherited stdio; resolves to its exit code (128 + n when killed by signal n). */
function run(step) {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: root, env, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const settle = (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code);
    };
    child.on('error', (error) => {
      console.error(`[test] cannot start ${step.command}: ${error.message}`);
      settle(127);
    });
    child.on('exit', (code, signal) => settle(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

const summary = [];
let exitCode = 0;
for (const step of steps) {
  console.log(`\n[test] ▶ ${step.name}`);
  const started = performance.now();
  const code = await run(step);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const line =
    code === 0
      ? `[test] ✔ ${step.name} (${seconds} s)`
      : `[test] ✖ ${step.name}: exit code ${code} (${seconds} s)`;
  console.log(line);
  summary.push(line);
  if (code !== 0) {
    exitCode = code;
    break;
  }
}

// The run-many output is long; repeat the per-step lines where the reader ends up.
console.log(`\n${summary.join('\n')}`);
process.exitCode = exitCode;
