import { logger, readJson, readProjectConfiguration, type Tree } from '@nx/devkit';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { read, workspaceTree } from '../../testing/workspace-tree.js';
import { serviceGenerator } from './generator.js';

let tree: Tree;
let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
});
beforeEach(() => {
  tree = workspaceTree();
});

describe('serviceGenerator', () => {
  describe('with defaults', () => {
    beforeEach(() => serviceGenerator(tree, { name: 'orders' }));

    it('writes an app shaped like chat and feed under apps/orders', () => {
      for (const file of [
        'Dockerfile',
        'eslint.config.mjs',
        'package.json',
        'project.json',
        'tsconfig.json',
        'vitest.config.mts',
        'src/main.ts',
        'src/config.ts',
        'src/orders.module.ts',
        'src/orders.service.ts',
        'src/handlers/handle-example-requested.ts',
        'src/handlers/handle-example-requested.spec.ts',
      ]) {
        expect(tree.exists(`apps/orders/${file}`), file).toBe(true);
      }
      expect(tree.exists('apps/orders/src/http-api.ts')).toBe(false);
      expect(read(tree, 'apps/orders/src/main.ts')).toContain(
        'await runService(ordersService, { transports: [amqpTransport], beforeExit: () => telemetry?.shutdown() });',
      );
      expect(read(tree, 'apps/orders/vitest.config.mts')).toContain(
        "from '../../vitest.workspace-config.mjs'",
      );
    });

    it('registers an Nx application with the app tags and the targets of chat and feed', () => {
      const project = readProjectConfiguration(tree, 'orders');
      expect(project).toMatchObject({
        root: 'apps/orders',
        sourceRoot: 'apps/orders/src',
        projectType: 'application',
      });
      expect(project.tags).toEqual(['scope:app', 'type:app']);
      expect(Object.keys(project.targets ?? {})).toEqual([
        'typecheck',
        'build',
        'serve',
        'topology',
        'topology-apply',
      ]);
      expect(project.targets?.['build']).toMatchObject({
        options: { command: 'node tools/scripts/bundle-app.mjs apps/orders' },
        outputs: ['{workspaceRoot}/dist/apps/orders'],
        dependsOn: [],
      });
      expect(project.targets?.['typecheck']?.options).toEqual({
        command: 'tsc -p apps/orders/tsconfig.json',
      });
    });

    it('names the package @wharf/orders with the workspace packages an app uses and no fastify', () => {
      const manifest = readJson(tree, 'apps/orders/package.json');
      expect(manifest).toMatchObject({ name: '@wharf/orders', type: 'module', private: true });
      expect(Object.keys(manifest.dependencies)).toEqual([
        '@wharf/amqp',
        '@wharf/contracts',
        '@wharf/sdk',
        '@wharf/telemetry',
      ]);
    });

    it('adds the example event to @wharf/contracts and handles it in defineService', () => {
      expect(read(tree, 'packages/contracts/src/orders/example-requested.ts')).toContain(
        "name: 'orders.example-requested'",
      );
      expect(read(tree, 'packages/contracts/src/index.ts')).toContain(
        "export { OrdersExampleRequested } from './orders/example-requested.js';",
      );
      const service = read(tree, 'apps/orders/src/orders.service.ts');
      expect(service).toContain('handlers: [on(OrdersExampleRequested, HandleExampleRequested)]');
      expect(service).toContain("import { OrdersExampleRequested } from '@wharf/contracts';");
      expect(service).not.toContain('hooks:');
    });

    it('gives the image the next free health port and no HTTP port', () => {
      const dockerfile = read(tree, 'apps/orders/Dockerfile');
      expect(dockerfile).toContain('ENV NODE_ENV=production HEALTH_PORT=8083\n');
      expect(dockerfile).toContain('EXPOSE 8083\n');
      expect(read(tree, 'apps/orders/src/config.ts')).not.toContain('HTTP_PORT');
    });
  });

  describe('with --http', () => {
    it('adds a fastify API on the next free port, bound in the module and run as a hook', async () => {
      await serviceGenerator(tree, { name: 'orders', http: true });
      expect(read(tree, 'apps/orders/src/http-api.ts')).toContain(
        'export class OrdersHttpApi implements LifecycleHooks',
      );
      expect(tree.exists('apps/orders/src/http-api.spec.ts')).toBe(true);
      expect(read(tree, 'apps/orders/src/orders.module.ts')).toContain(
        'bind(OrdersHttpApi).toSelf().inSingletonScope();',
      );
      expect(read(tree, 'apps/orders/src/orders.service.ts')).toContain('hooks: [OrdersHttpApi]');
      expect(read(tree, 'apps/orders/src/config.ts')).toContain('.default(3002)');
      expect(read(tree, 'apps/orders/Dockerfile')).toContain('HTTP_PORT=3002 HEALTH_PORT=8083');
      expect(readJson(tree, 'apps/orders/package.json').dependencies.fastify).toBe(
        readJson(tree, 'apps/chat/package.json').dependencies.fastify,
      );
      expect(read(tree, 'apps/orders/src/handlers/handle-example-requested.spec.ts')).toContain(
        "createTestHarness([ordersService], { env: { HTTP_PORT: '0' } })",
      );
    });

    it('takes --port and --healthPort', async () => {
      await serviceGenerator(tree, { name: 'orders', http: true, port: 4000, healthPort: 9000 });
      expect(read(tree, 'apps/orders/Dockerfile')).toContain('HTTP_PORT=4000 HEALTH_PORT=9000');
      expect(read(tree, 'apps/orders/src/config.ts')).toContain('.default(4000)');
    });
  });

  it('adds --tags to the app tags', async () => {
    await serviceGenerator(tree, { name: 'orders', tags: 'team:checkout, tier:1,scope:app' });
    expect(readProjectConfiguration(tree, 'orders').tags).toEqual([
      'scope:app',
      'type:app',
      'team:checkout',
      'tier:1',
    ]);
  });

  it('puts the app in --directory with paths to the root from there', async () => {
    await serviceGenerator(tree, { name: 'order-history', directory: 'apps/backend' });
    expect(readProjectConfiguration(tree, 'order-history').root).toBe('apps/backend/order-history');
    expect(read(tree, 'apps/backend/order-history/tsconfig.json')).toContain(
      '"extends": "../../../tsconfig.base.json"',
    );
    const service = read(tree, 'apps/backend/order-history/src/order-history.service.ts');
    expect(service).toContain('export const orderHistoryService = defineService({');
    expect(service).toContain("name: 'order-history'");
    expect(read(tree, 'packages/contracts/src/index.ts')).toContain('OrderHistoryExampleRequested');
    const build = readProjectConfiguration(tree, 'order-history').targets?.['build'];
    expect(build?.options).toEqual({ command: 'node tools/scripts/bundle-app.mjs apps/backend/order-history' });
    expect(build?.outputs).toEqual(['{workspaceRoot}/dist/apps/backend/order-history']);
    expect(readJson(tree, 'package.json').workspaces).toContain('apps/backend/*');
    // Nothing left to do by hand: no warning.
    expect(warn).not.toHaveBeenCalled();
  });

  it('writes a --description into package.json and the service doc comment', async () => {
    await serviceGenerator(tree, { name: 'orders', description: 'Takes orders and tracks them.' });
    expect(readJson(tree, 'apps/orders/package.json').description).toBe('Takes orders and tracks them.');
    expect(read(tree, 'apps/orders/src/orders.service.ts')).toContain(
      '/** orders: Takes orders and tracks them. */',
    );
  });

  describe('refuses', () => {
    it.each(['Orders', 'orders_api', '1orders', 'orders--api', '-orders', 'orders-', '@wharf/orders', ''])(
      'the invalid name "%s", saying what a valid one is',
      async (name) => {
        await expect(serviceGenerator(tree, { name })).rejects.toThrow(/must be lower-case kebab words/);
      },
    );

    it('a name a project already has', async () => {
      await expect(serviceGenerator(tree, { name: 'feed' })).rejects.toThrow(
        'A project named "feed" already exists (apps/feed)',
      );
    });

    it('a folder that is not empty', async () => {
      tree.write('apps/orders/notes.md', 'mine');
      await expect(serviceGenerator(tree, { name: 'orders' })).rejects.toThrow(
        'apps/orders already exists and is not empty',
      );
    });

    it('the name of the test harness client', async () => {
      await expect(serviceGenerator(tree, { name: 'test-client' })).rejects.toThrow(/reserved/);
    });

    it('--port without --http', async () => {
      await expect(serviceGenerator(tree, { name: 'orders', port: 4000 })).rejects.toThrow(
        '--port sets the HTTP API port: add --http',
      );
    });

    it('a directory outside the workspace', async () => {
      await expect(serviceGenerator(tree, { name: 'orders', directory: '../elsewhere' })).rejects.toThrow(
        /--directory must be a folder/,
      );
    });

    it('to overwrite an example contract that exists', async () => {
      tree.write('packages/contracts/src/orders/example-requested.ts', '// mine\n');
      await expect(serviceGenerator(tree, { name: 'orders' })).rejects.toThrow(
        'Refusing to overwrite existing files: packages/contracts/src/orders/example-requested.ts',
      );
    });

    it('a workspace without @wharf/contracts', async () => {
      const bare = workspaceTree([]);
      await expect(serviceGenerator(bare, { name: 'orders' })).rejects.toThrow(
        /packages\/contracts\/src\/index.ts does not exist/,
      );
    });
  });
});
