// Proves `nx affected:test` tests only what a change touches, on a scratch git copy of the workspace.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

const git = (cwd, ...args) =>
  execFileSync(
    'git',
    [
      '-c',
      'user.name=wharf-ci',
      '-c',
      'user.email=wharf-ci@localhost',
      '-c',
      'commit.gpgsign=false',
      '-c',
      'core.hooksPath=/dev/null',
      ...args,
    ],
    {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();

/** Copies the files git would see in the real workspace (tracked, plus untracked that are not ignored). */
function copyWorkspace(into) {
  const files = git(root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = path.join(root, file);
    // A tracked file deleted in the working tree is still listed; the copy mirrors the working tree.
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    fs.copyFileSync(from, path.join(into, file));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(into, 'node_modules'), 'dir');
  return files.length;
}

/** Appends a comment to a source file of the project (or adds one if it has none yet) and commits it. */
function changeAndCommit(ws, srcDir, label) {
  const dir = path.join(ws, srcDir);
  fs.mkdirSync(dir, { recursive: true });
  const existing = fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.includes('.spec'))
    .sort();
  const file = path.join(srcDir, existing[0] ?? 'affected-probe.ts');
  fs.appendFileSync(path.join(ws, file), `\n// ${label}\n`);
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', label);
  return file;
}

/**
 * Runs the legacy command as users type it. `--graph=<file>` makes Nx 23.2.1 write the task graph it would run
 * (plus the project graph) instead of running it (nx/src/command-line/affected/affected.js), so no test runs here.
 */
function affectedTest(ws, base, graphFile) {
  const result = spawnSync(
    'npx',
    ['nx', 'affected:test', `--base=${base}`, '--head=HEAD', `--graph=${graphFile}`],
    {
      cwd: ws,
      env,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0 || !fs.existsSync(graphFile)) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`nx affected:test exited with ${result.status ?? result.signal} and wrote no task graph`);
  }
  const { graph, tasks } = JSON.parse(fs.readFileSync(graphFile, 'utf8'));
  const tested = Object.values(tasks.tasks)
    .filter((task) => task.target.target === 'test')
    .map((task) => task.target.project);
  return { tested: new Set(tested), projectGraph: graph };
}

/** Whether `project` depends on `target`, directly or through other projects. */
function dependsOn(projectGraph, project, target, seen = new Set()) {
  if (seen.has(project)) return false;
  seen.add(project);
  return (projectGraph.dependencies[project] ?? []).some(
    (dep) => dep.target === target || dependsOn(projectGraph, dep.target, target, seen),
  );
}

const sorted = (items) => [...items].sort().join(', ') || '(nothing)';

/**
 * Judges one change: every `required` project is tested, no `forbidden` one is, and any other tested project
 * must depend on the changed one in the project graph (an end-to-end suite of the app, say), or it is an error.
 */
function judge(label, file, { tested, projectGraph }, { changed, required, forbidden }) {
  const problems = [];
  const missing = required.filter((p) => !tested.has(p));
  if (missing.length > 0) problems.push(`missing: ${sorted(missing)}`);
  const wrong = forbidden.filter((p) => tested.has(p));
  if (wrong.length > 0) problems.push(`must not be tested: ${sorted(wrong)}`);
  const others = [...tested].filter((p) => !required.includes(p) && !forbidden.includes(p));
  const unrelated = others.filter((p) => !dependsOn(projectGraph, p, changed));
  if (unrelated.length > 0) problems.push(`tested but not depending on ${changed}: ${sorted(unrelated)}`);
  const dependents = others.filter((p) => !unrelated.includes(p));

  console.log(`${problems.length === 0 ? 'pass' : 'FAIL'}  (${label}) changed ${file}`);
  console.log(`        affected:test would test: ${sorted(tested)}`);
  if (dependents.length > 0) console.log(`        of which dependents of ${changed}: ${sorted(dependents)}`);
  for (const problem of problems) console.log(`        ${problem}`);
  return problems.length === 0;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-affected-'));
const ws = path.join(tmp, 'workspace');
let ok = false;
try {
  const count = copyWorkspace(ws);
  git(ws, 'init', '-q', '-b', 'main');
  // `node_modules/` in .gitignore matches directories only, and the copy's node_modules is a symlink.
  fs.appendFileSync(path.join(ws, '.git/info/exclude'), '/node_modules\n');
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'base');
  const base = git(ws, 'rev-parse', 'HEAD');
  console.log(`scratch workspace: ${count} files, base ${base.slice(0, 8)}`);

  const chatFile = changeAndCommit(ws, 'apps/chat/src', 'affected check: chat only');
  const a = affectedTest(ws, base, path.join(tmp, 'chat-change.json'));
  // Deploy independence: a change to one app never tests the other; only its dependents (e2e suites) may join.
  const aOk = judge('a', chatFile, a, { changed: 'chat', required: ['chat'], forbidden: ['feed'] });

  git(ws, 'switch', '-q', '-c', 'contracts-change', base);
  const contractsFile = changeAndCommit(ws, 'packages/contracts/src', 'affected check: contracts');
  const b = affectedTest(ws, base, path.join(tmp, 'contracts-change.json'));
  // Both apps import the contracts; sdk sits below them and must stay untouched.
  const bOk = judge('b', contractsFile, b, {
    changed: 'contracts',
    required: ['contracts', 'chat', 'feed'],
    forbidden: ['sdk'],
  });

  ok = aOk && bOk;
} catch (error) {
  console.error(`affected check could not run: ${error.message}`);
} finally {
  // Unlink first so no recursive removal can ever walk into the real node_modules.
  fs.rmSync(path.join(ws, 'node_modules'), { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(
  ok
    ? 'nx affected:test selects the changed project and its dependents, nothing else'
    : 'nx affected:test check failed',
);
process.exitCode = ok ? 0 : 1;
