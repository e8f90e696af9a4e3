import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { contractGenerator } from './generators/contract/generator.js';
import { handlerGenerator } from './generators/handler/generator.js';
import { serviceGenerator } from './generators/service/generator.js';
import { WorkspaceCopy, type AppProcess } from './testing/workspace-copy.js';
import { workspaceRoot, workspaceTree, writeChanges } from './testing/workspace-tree.js';

// The README's "Add a service" commands, run as written on a copy of this workspace.
let copy: WorkspaceCopy;
let app: AppProcess | undefined;

beforeAll(async () => {
  copy = await WorkspaceCopy.create(workspaceRoot);
}, 120_000);

afterAll(async () => {
  app?.kill();
  await copy?.dispose();
});

describe('Adding a service with @wharf/nx-plugin', () => {
  it('generates orders with an HTTP API, its order-placed event and a handler of it in feed', async () => {
    await copy.npx(['nx', 'g', '@wharf/nx-plugin:service', 'orders', '--http']);
    await copy.npx([
      'nx',
      'g',
      '@wharf/nx-plugin:contract',
      'order-placed',
      '--kind',
      'event',
      '--service',
      'orders',
    ]);
    await copy.npx(['nx', 'g', '@wharf/nx-plugin:handler', 'order-placed', '--service', 'feed']);
    const feed = await readFile(join(copy.root, 'apps/feed/src/feed.service.ts'), 'utf8');
    expect(feed).toContain('on(OrdersOrderPlaced, HandleOrderPlaced)');
  }, 150_000);

  it('lints, typechecks, tests and builds orders', async () => {
    const { stdout } = await copy.npx(
      ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', 'build', '-p', 'orders'],
      240_000,
    );
    expect(stdout).toContain('Successfully ran targets lint, typecheck, test, build for project orders');
  }, 250_000);

  it('also generates a service without HTTP that handles its own command and query, and it lints and typechecks', async () => {
    vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    // The generators in-process on the copy's files: the same code `nx g` runs, without more Nx startups.
    const tree = workspaceTree(['apps', 'packages/contracts'], copy.root);
    await serviceGenerator(tree, { name: 'billing' });
    await contractGenerator(tree, { name: 'billing.charge-card', kind: 'command' });
    await handlerGenerator(tree, { contract: 'charge-card', service: 'billing' });
    await contractGenerator(tree, { name: 'billing.get-invoice', kind: 'query' });
    await handlerGenerator(tree, { contract: 'get-invoice', service: 'billing' });
    expect(writeChanges(tree, copy.root, ['apps', 'packages'])).toEqual(
      expect.arrayContaining([
        'apps/billing/src/handlers/handle-charge-card.ts',
        'apps/billing/src/handlers/answer-get-invoice.ts',
      ]),
    );
    // Its tests and those of its contracts run with the affected tests below.
    const { stdout } = await copy.npx(
      ['nx', 'run-many', '-t', 'lint', 'typecheck', '-p', 'billing'],
      240_000,
    );
    expect(stdout).toContain('Successfully ran targets lint, typecheck for project billing');
  }, 250_000);

  it('passes the tests of every affected project, and only the generated code made them affected', async () => {
    const affected = (await copy.npx(['nx', 'show', 'projects', '--affected', `--base=${copy.base}`])).stdout
      .split('\n')
      .map((p) => p.trim());
    expect(affected).toEqual(expect.arrayContaining(['orders', 'billing', 'feed', 'contracts']));
    // This spec is nx-plugin's test: were nx-plugin affected, affected:test would run it again inside itself.
    expect(affected).not.toContain('nx-plugin');
    const { stdout } = await copy.npx(['nx', 'affected:test', `--base=${copy.base}`], 300_000);
    expect(stdout).toMatch(/Successfully ran target test for \d+ projects/);
  }, 310_000);

  it('starts the built bundle on the in-memory transport, becomes ready and handles an event', async () => {
    app = copy.node(['--enable-source-maps', 'dist/apps/orders/main.mjs'], {
      AMQP_URL: 'memory://',
      HEALTH_PORT: '0',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const ready = await app.waitForLog((line) => line.msg === 'service ready');
    const api = await app.waitForLog((line) => line.msg === 'orders HTTP API listening');

    const readyz = await fetch(`http://127.0.0.1:${String(ready['healthPort'])}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ ready: true, state: 'ready' });

    const posted = await fetch(`http://127.0.0.1:${String(api['port'])}/examples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(posted.status).toBe(202);
    const { exampleId } = (await posted.json()) as { exampleId: string };
    const handled = await app.waitForLog((line) => line.msg === 'handled orders.example-requested.v1');
    expect(handled).toMatchObject({
      handler: 'HandleExampleRequested',
      message: { exampleId, text: 'hello' },
    });

    expect(await app.stop()).toBe(0);
  }, 60_000);

  it('records @wharf/orders in package-lock.json with npm install', async () => {
    // --package-lock-only: the copy shares node_modules with the workspace, which must stay untouched.
    await copy.npx(
      ['npm', 'install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
      120_000,
    );
    const lock = JSON.parse(await readFile(join(copy.root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { name?: string }>;
    };
    expect(lock.packages['apps/orders']).toMatchObject({ name: '@wharf/orders' });
  }, 130_000);
});
