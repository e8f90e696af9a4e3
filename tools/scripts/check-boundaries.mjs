// Proves the module-boundary lint rules bite: forbidden imports in fixture sources are errors, allowed ones are not.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Nx fixes its workspace root from the cwd when its modules load, so move there before importing them.
process.chdir(root);
process.env.NX_DAEMON ??= 'false';
process.env.NX_NO_CLOUD ??= 'true';
const { ESLint } = await import('eslint');
const { createProjectGraphAsync } = await import('@nx/devkit');

const NX_RULE = '@nx/enforce-module-boundaries';
// A deep import is not something the Nx rule can see, so a core restriction rule may be the one that reports it.
const BOUNDARY_RULES = new Set([
  NX_RULE,
  'no-restricted-imports',
  '@typescript-eslint/no-restricted-imports',
]);

const cases = [
  {
    id: 'a',
    title: 'an app cannot import another app',
    file: 'apps/chat/src/boundary-fixture.ts',
    imports: ['@wharf/feed'],
    expect: 'nx-error',
    hint: 'the Nx rule maps `@wharf/<name>` to a project only through that package.json `exports` or `main`',
  },
  {
    id: 'b',
    title: 'sdk cannot import amqplib',
    file: 'packages/sdk/src/boundary-fixture.ts',
    imports: ['amqplib'],
    expect: 'nx-error',
  },
  {
    id: 'c',
    title: 'contracts cannot import the amqp package',
    file: 'packages/contracts/src/boundary-fixture.ts',
    imports: ['@wharf/amqp'],
    expect: 'nx-error',
  },
  {
    id: 'd',
    title: "an app cannot deep-import a package's internals",
    file: 'apps/chat/src/boundary-fixture.ts',
    imports: ['@wharf/sdk/src/errors/wharf-error'],
    expect: 'error',
    hint: 'the Nx rule ignores subpaths it cannot resolve; a `no-restricted-imports` pattern on `@wharf/*/…` catches them',
  },
  {
    id: 'e',
    title: 'an app may import sdk and contracts (control)',
    file: 'apps/chat/src/boundary-fixture.ts',
    imports: ['@wharf/sdk', '@wharf/contracts'],
    expect: 'clean',
  },
];

/** A module that imports each specifier and re-exports it, so no unrelated rule (unused imports) fires. */
function fixtureSource(imports) {
  const names = imports.map((_, i) => `dep${i}`);
  const lines = imports.map((specifier, i) => `import * as ${names[i]} from '${specifier}';`);
  return `${lines.join('\n')}\n\nexport { ${names.join(', ')} };\n`;
}

function verdict(testCase, messages) {
  const fatal = messages.find((m) => m.fatal);
  if (fatal) return { ok: false, reason: `fixture did not parse: ${fatal.message}` };
  const boundary = messages.filter((m) => BOUNDARY_RULES.has(m.ruleId));
  const errors = boundary.filter((m) => m.severity === 2);
  switch (testCase.expect) {
    case 'nx-error':
      return errors.some((m) => m.ruleId === NX_RULE)
        ? { ok: true }
        : {
            ok: false,
            reason: `expected an ${NX_RULE} error, got ${errors.length ? 'only other rules' : 'none'}`,
          };
    case 'error':
      return errors.length > 0 ? { ok: true } : { ok: false, reason: 'expected a boundary error, got none' };
    case 'clean':
      return boundary.length === 0 ? { ok: true } : { ok: false, reason: 'expected no boundary report' };
    default:
      throw new Error(`unknown expectation ${testCase.expect}`);
  }
}

// The Nx rule only reads a cached project graph and, with just a warning, skips itself when there is none.
await createProjectGraphAsync({ exitOnError: true });
const eslint = new ESLint({ cwd: root });

let failures = 0;
for (const testCase of cases) {
  const [result] = await eslint.lintText(fixtureSource(testCase.imports), {
    filePath: path.join(root, testCase.file),
  });
  const messages = result?.messages ?? [];
  const { ok, reason } = verdict(testCase, messages);
  if (!ok) failures += 1;
  const from = path.dirname(path.dirname(testCase.file));
  console.log(
    `${ok ? 'pass' : 'FAIL'}  (${testCase.id}) ${testCase.title}: ${from} → ${testCase.imports.join(', ')}`,
  );
  for (const m of messages.filter((m) => BOUNDARY_RULES.has(m.ruleId) || m.fatal)) {
    console.log(`        ${m.ruleId ?? 'parser'}: ${m.message.split('\n')[0]}`);
  }
  if (!ok) {
    console.log(`        ${reason}`);
    if (testCase.hint) console.log(`        why: ${testCase.hint}`);
  }
}

console.log(
  failures === 0
    ? `all ${cases.length} boundary cases behave`
    : `${failures} of ${cases.length} boundary cases wrong`,
);
process.exitCode = failures === 0 ? 0 : 1;
