import nx from '@nx/eslint-plugin';

/** Tags and the dependency rules of docs/architecture.md, enforced on every project. */
const depConstraints = [
  { sourceTag: 'scope:sdk', onlyDependOnLibsWithTags: [], bannedExternalImports: ['amqplib', '@opentelemetry/sdk-*', '@opentelemetry/exporter-*'] },
  { sourceTag: 'scope:amqp', onlyDependOnLibsWithTags: ['scope:sdk'] },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:sdk'], bannedExternalImports: ['amqplib'] },
  { sourceTag: 'scope:telemetry', onlyDependOnLibsWithTags: [], bannedExternalImports: ['amqplib'] },
  { sourceTag: 'scope:contracts', onlyDependOnLibsWithTags: ['scope:sdk'], bannedExternalImports: ['amqplib'] },
  {
    sourceTag: 'scope:app',
    onlyDependOnLibsWithTags: ['scope:sdk', 'scope:amqp', 'scope:contracts', 'scope:telemetry', 'scope:testing'],
    bannedExternalImports: ['amqplib'],
  },
  {
    sourceTag: 'scope:tools',
    onlyDependOnLibsWithTags: ['scope:sdk', 'scope:amqp', 'scope:contracts', 'scope:telemetry', 'scope:testing'],
  },
];

// Specs may use an OTel SDK to observe what the SDK emits through the API; production code may not.
const specConstraints = depConstraints.map((c) =>
  c.sourceTag === 'scope:sdk' ? { ...c, bannedExternalImports: ['amqplib'] } : c,
);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/vite.config.*.timestamp*', '**/vitest.config.*.timestamp*', 'tools/nx-plugin/src/generators/*/files/**'],
  },
  {
    files: ['**/src/**/*.ts', '**/src/**/*.mts', '**/src/**/*.js', '**/src/**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints, checkDynamicDependenciesExceptions: [] },
      ],
      // The Nx rule does not look at subpaths of a package name; a package's folders are internal.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@wharf/[^/]+/',
              message: 'Import a Wharf package by its name only (its public entry, src/index.ts); its folders are internal.',
            },
          ],
        },
      ],
      // `import { z } from 'zod'` (or its default) puts all of zod in an app's bundle; the namespace import lets the
      // bundler keep only what the schemas use.
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
          message: "Write `import * as z from 'zod'`: a bundle then keeps only the parts of zod in use (docs/sdk.md).",
        },
      ],
    },
  },
  {
    files: ['**/src/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: specConstraints, checkDynamicDependenciesExceptions: [] },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.json'],
    rules: {},
    languageOptions: { parser: await import('jsonc-eslint-parser') },
  },
];
