import { logger, type Tree } from '@nx/devkit';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { read, workspaceTree } from '../../testing/workspace-tree.js';
import { contractGenerator } from './generator.js';

const index = 'packages/contracts/src/index.ts';
let tree: Tree;
beforeEach(() => {
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
});
beforeEach(() => {
  tree = workspaceTree(['packages/contracts']);
});

describe('contractGenerator', () => {
  it('adds an event owned by --service, with a spec, exported from the index', async () => {
    await contractGenerator(tree, { name: 'order-placed', kind: 'event', service: 'orders' });
    const source = read(tree, 'packages/contracts/src/orders/order-placed.ts');
    expect(source).toContain('/** Order placed (published by orders). */');
    expect(source).toContain('export const OrdersOrderPlaced = defineEvent({');
    expect(source).toContain("name: 'orders.order-placed',\n  version: 1,");
    expect(source).toContain('schema: z.object({');
    const spec = read(tree, 'packages/contracts/src/orders/order-placed.spec.ts');
    expect(spec).toContain("import { OrdersOrderPlaced } from '../index.js';");
    expect(spec).toMatch(/type: 'orders\.order-placed\.v1',\s+owner: 'orders',\s+kind: 'event'/);
    expect(read(tree, index).split('\n')).toContain(
      "export { OrdersOrderPlaced } from './orders/order-placed.js';",
    );
    expect(read(tree, index)).toContain("export { ChatMessagePosted } from './chat/message-posted.js';");
  });

  it('takes the owner from a full name', async () => {
    await contractGenerator(tree, { name: 'orders.order-placed' });
    expect(read(tree, 'packages/contracts/src/orders/order-placed.ts')).toContain('defineEvent');
  });

  it('adds a command', async () => {
    await contractGenerator(tree, {
      name: 'place-order',
      kind: 'command',
      service: 'orders',
      description: 'Place an order.',
    });
    const source = read(tree, 'packages/contracts/src/orders/place-order.ts');
    expect(source).toContain('/** Place an order (handled by orders). */');
    expect(source).toContain('export const OrdersPlaceOrder = defineCommand({');
    expect(source).toContain("description: 'Place an order.',");
  });

  it('adds a query with a request and a response schema, and specs both', async () => {
    await contractGenerator(tree, { name: 'get-order', kind: 'query', service: 'orders' });
    const source = read(tree, 'packages/contracts/src/orders/get-order.ts');
    expect(source).toContain('export const OrdersGetOrder = defineQuery({');
    expect(source).toContain('request: z.object({');
    expect(source).toContain('response: z.object({');
    expect(read(tree, 'packages/contracts/src/orders/get-order.spec.ts')).toContain(
      'validate(OrdersGetOrder.response, response',
    );
  });

  it('adds version 2 beside version 1 and keeps version 1', async () => {
    await contractGenerator(tree, { name: 'order-placed', service: 'orders' });
    const v1 = read(tree, 'packages/contracts/src/orders/order-placed.ts');
    await contractGenerator(tree, { name: 'order-placed', service: 'orders', major: 2 });
    expect(read(tree, 'packages/contracts/src/orders/order-placed.ts')).toBe(v1);
    const v2 = read(tree, 'packages/contracts/src/orders/order-placed.v2.ts');
    expect(v2).toContain('export const OrdersOrderPlacedV2 = defineEvent({');
    expect(v2).toContain('version: 2,');
    expect(v2).toContain('/** Order placed, version 2 (published by orders). */');
    expect(tree.exists('packages/contracts/src/orders/order-placed.v2.spec.ts')).toBe(true);
    expect(read(tree, index)).toContain(
      "export { OrdersOrderPlaced } from './orders/order-placed.js';\nexport { OrdersOrderPlacedV2 } from './orders/order-placed.v2.js';\n",
    );
  });

  describe('refuses', () => {
    it('a name and version that exist', async () => {
      await expect(contractGenerator(tree, { name: 'chat.message-posted' })).rejects.toThrow(
        'chat.message-posted v1 already exists: ChatMessagePosted in packages/contracts/src/chat/message-posted.ts',
      );
    });

    it('a new version of another kind', async () => {
      await expect(contractGenerator(tree, { name: 'feed.get', kind: 'event', major: 2 })).rejects.toThrow(
        'feed.get v1 is a query; a new version keeps the kind (--kind query)',
      );
    });

    it('a name without an owner', async () => {
      await expect(contractGenerator(tree, { name: 'order-placed' })).rejects.toThrow(
        'Name the service that owns "order-placed": --service <service>, or the full name <service>.order-placed',
      );
    });

    it('a full name whose owner is not --service', async () => {
      await expect(contractGenerator(tree, { name: 'orders.order-placed', service: 'feed' })).rejects.toThrow(
        '"orders.order-placed" is owned by "orders", not by --service feed',
      );
    });

    it.each([
      [
        { name: 'OrderPlaced', service: 'orders' },
        /The contract name "OrderPlaced" must be lower-case kebab words/,
      ],
      [
        { name: 'order-placed', service: 'Orders' },
        /The owning service "Orders" must be lower-case kebab words/,
      ],
      [{ name: 'orders.order.placed' }, /The contract name "order.placed" must be lower-case kebab words/],
      [
        { name: 'order-placed', service: 'orders', major: 0 },
        /--major must be a whole number of 1 or more, got 0/,
      ],
      [
        { name: 'order-placed', service: 'orders', kind: 'signal' as 'event' },
        /--kind must be one of event, command, query/,
      ],
    ])('the invalid options %o', async (options, message) => {
      await expect(contractGenerator(tree, options)).rejects.toThrow(message);
    });

    it('to overwrite an existing file', async () => {
      tree.write('packages/contracts/src/orders/order-placed.spec.ts', '// mine\n');
      await expect(contractGenerator(tree, { name: 'orders.order-placed' })).rejects.toThrow(
        'Refusing to overwrite existing files: packages/contracts/src/orders/order-placed.spec.ts',
      );
    });

    it('a name the index already exports', async () => {
      tree.write(index, `${read(tree, index)}export const OrdersOrderPlaced = 1;\n`);
      await expect(contractGenerator(tree, { name: 'orders.order-placed' })).rejects.toThrow(
        `${index} already exports OrdersOrderPlaced`,
      );
    });
  });
});
