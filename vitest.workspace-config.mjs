/**
 * The vitest settings every project shares: workspace packages resolve to their TypeScript sources,
 * unit and integration specs run together, and at most two test files run at once (the machine has 2 cores).
 */
export function workspaceTestConfig(root, overrides = {}) {
  const conditions = ['@wharf/source', 'node'];
  return {
    root,
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      include: ['src/**/*.spec.ts'],
      environment: 'node',
      pool: 'forks',
      maxWorkers: 2,
      testTimeout: 30_000,
      hookTimeout: 30_000,
      typecheck: { enabled: true, include: ['src/**/*.spec-d.ts'], tsconfig: `${root}/tsconfig.json` },
      ...overrides,
    },
  };
}
