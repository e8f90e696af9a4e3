import { logger, type Tree } from '@nx/devkit';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { read, workspaceTree } from '../../testing/workspace-tree.js';
import { contractGenerator } from '../contract/generator.js';
import { handlerGenerator } from './generator.js';

let tree: Tree;
let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
});
beforeEach(async () => {
  tree = workspaceTree();
  await contractGenerator(tree, { name: 'orders.order-placed' });
});

describe('handlerGenerator', () => {
  describe('for an event of another service', () => {
    beforeEach(() => handlerGenerator(tree, { contract: 'order-placed', service: 'feed' }));

    it('writes the handler class against the contract', () => {
      const handler = read(tree, 'apps/feed/src/handlers/handle-order-placed.ts');
      expect(handler).toContain("import type { OrdersOrderPlaced } from '@wharf/contracts';");
      expect(handler).toContain(
        'export class HandleOrderPlaced implements EventHandler<typeof OrdersOrderPlaced> {',
      );
      expect(handler).toContain(
        'async handle(message: Payload<typeof OrdersOrderPlaced>, ctx: MessageContext): Promise<void> {',
      );
    });

    it('lists it in defineService with its imports, after the handlers already there', () => {
      const service = read(tree, 'apps/feed/src/feed.service.ts');
      expect(service).toContain(
        "import { ChatMessagePosted, FeedGet, OrdersOrderPlaced } from '@wharf/contracts';",
      );
      expect(service).toContain("import { HandleOrderPlaced } from './handlers/handle-order-placed.js';");
      expect(service).toMatch(
        /on\(ChatMessagePosted, AppendToFeed\),\s+answer\(FeedGet, GetFeed\),\s+on\(OrdersOrderPlaced, HandleOrderPlaced\),/,
      );
      expect(service).toContain('hooks: [FeedStore, FeedHttpApi],');
    });

    it('writes a spec that publishes a sample on the harness and waits for feed to handle it', () => {
      const spec = read(tree, 'apps/feed/src/handlers/handle-order-placed.spec.ts');
      expect(spec).toContain("import { feedService } from '../feed.service.js';");
      expect(spec).toContain("createTestHarness([feedService], { env: { HTTP_PORT: '0' } })");
      expect(spec).toMatch(
        /harness\.publish\(OrdersOrderPlaced, \{\s+id: '[0-9a-f-]{36}',\s+occurredAt: '2026-01-01T00:00:00\.000Z',\s+\}\)/,
      );
      expect(spec).toContain(
        "expect(delivery).toMatchObject({ service: 'feed', handler: 'HandleOrderPlaced', outcome: 'handled' });",
      );
    });
  });

  it('adds a handlers list to a service that has none', async () => {
    await handlerGenerator(tree, { contract: 'orders.order-placed', service: 'chat' });
    const service = read(tree, 'apps/chat/src/chat.service.ts');
    expect(service).toContain(
      'modules: [chatModule],\n  handlers: [on(OrdersOrderPlaced, HandleOrderPlaced)],\n  hooks: [ChatHttpApi],',
    );
    expect(service).toContain(
      "import { OrdersOrderPlaced } from '@wharf/contracts';\nimport { defineService, on } from '@wharf/sdk';",
    );
    expect(read(tree, 'apps/chat/src/handlers/handle-order-placed.spec.ts')).toContain(
      "createTestHarness([chatService], { env: { HTTP_PORT: '0' } })",
    );
  });

  it("answers the service's own query with a sample response and specs it with a request", async () => {
    await contractGenerator(tree, { name: 'feed.count', kind: 'query' });
    await handlerGenerator(tree, { contract: 'FeedCount', service: 'feed' });
    const handler = read(tree, 'apps/feed/src/handlers/answer-count.ts');
    expect(handler).toContain('export class AnswerCount implements QueryHandler<typeof FeedCount> {');
    expect(handler).toContain('Promise<Response<typeof FeedCount>>');
    const service = read(tree, 'apps/feed/src/feed.service.ts');
    expect(service).toContain('answer(FeedCount, AnswerCount)');
    expect(service).toContain("import { ChatMessagePosted, FeedCount, FeedGet } from '@wharf/contracts';");
    expect(read(tree, 'apps/feed/src/handlers/answer-count.spec.ts')).toContain(
      'await harness.request(FeedCount, {',
    );
  });

  it("handles the service's own command with a spec that sends it", async () => {
    await contractGenerator(tree, { name: 'feed.clear-room', kind: 'command' });
    await handlerGenerator(tree, { contract: 'feed.clear-room', service: 'feed', name: 'clear-room' });
    expect(read(tree, 'apps/feed/src/handlers/clear-room.ts')).toContain(
      'export class ClearRoom implements CommandHandler<typeof FeedClearRoom> {',
    );
    expect(read(tree, 'apps/feed/src/handlers/clear-room.spec.ts')).toContain(
      'await harness.send(FeedClearRoom, {',
    );
  });

  it('handles the highest version unless --major names one', async () => {
    await contractGenerator(tree, { name: 'orders.order-placed', major: 2 });
    await handlerGenerator(tree, { contract: 'order-placed', service: 'feed' });
    await handlerGenerator(tree, { contract: 'order-placed', service: 'feed', major: 1 });
    const service = read(tree, 'apps/feed/src/feed.service.ts');
    expect(service).toContain('on(OrdersOrderPlacedV2, HandleOrderPlacedV2)');
    expect(service).toContain('on(OrdersOrderPlaced, HandleOrderPlaced)');
    expect(tree.exists('apps/feed/src/handlers/handle-order-placed-v2.ts')).toBe(true);
  });

  it('derives samples through schemas named in the same file and in relative imports', async () => {
    tree.write(
      'packages/contracts/src/feed/entry-archived.ts',
      [
        "import { defineEvent } from '@wharf/sdk';",
        "import * as z from 'zod';",
        "import { FeedEntry } from './get.js';",
        "const Reason = z.enum(['expired', 'deleted']);",
        '/** An entry left the feed. */',
        "export const FeedEntryArchived = defineEvent({ name: 'feed.entry-archived', version: 1, schema: z.object({ entry: FeedEntry, reason: Reason, note: z.string().optional() }) });",
        '',
      ].join('\n'),
    );
    await handlerGenerator(tree, { contract: 'feed.entry-archived', service: 'chat' });
    const spec = read(tree, 'apps/chat/src/handlers/handle-entry-archived.spec.ts');
    expect(spec).toMatch(
      /entry: \{\s+messageId: '[0-9a-f-]{36}',\s+room: 'room',\s+author: 'author',\s+text: 'text',\s+postedAt: '2026-01-01T00:00:00\.000Z',\s+\},\s+reason: 'expired',\s+\}/,
    );
    expect(spec).not.toContain('note');
  });

  it('writes a typed placeholder and warns when the schema has no derivable sample', async () => {
    tree.write(
      'packages/contracts/src/orders/code-issued.ts',
      "import { defineEvent } from '@wharf/sdk';\nimport * as z from 'zod';\n/** A code. */\nexport const OrdersCodeIssued = defineEvent({ name: 'orders.code-issued', version: 1, schema: z.object({ code: z.string().regex(/^[A-Z]{4}$/) }) });\n",
    );
    await handlerGenerator(tree, { contract: 'orders.code-issued', service: 'feed' });
    const spec = read(tree, 'apps/feed/src/handlers/handle-code-issued.spec.ts');
    expect(spec).toContain("import type { PayloadInput } from '@wharf/sdk';");
    expect(spec).toContain('{} as PayloadInput<typeof OrdersCodeIssued>');
    expect(warn).toHaveBeenCalledWith(
      'Could not derive a sample OrdersCodeIssued from its schema (payload: .regex() is not sampled): fill one in apps/feed/src/handlers/handle-code-issued.spec.ts.',
    );
  });

  describe('refuses', () => {
    it('a command of another owner, since only the owner handles it', async () => {
      await contractGenerator(tree, { name: 'orders.place-order', kind: 'command' });
      await expect(handlerGenerator(tree, { contract: 'place-order', service: 'feed' })).rejects.toThrow(
        'Service "feed" cannot handle the command orders.place-order.v1: only its owner "orders" may. Send it with bus.send(OrdersPlaceOrder, ...) instead.',
      );
    });

    it('a query of another owner', async () => {
      await expect(handlerGenerator(tree, { contract: 'feed.get', service: 'chat' })).rejects.toThrow(
        'Service "chat" cannot handle the query feed.get.v1: only its owner "feed" may. Ask it with bus.request(FeedGet, ...) instead.',
      );
    });

    it('a contract the service already handles', async () => {
      await expect(
        handlerGenerator(tree, { contract: 'chat.message-posted', service: 'feed' }),
      ).rejects.toThrow(
        'Service "feed" already handles chat.message-posted.v1: on(ChatMessagePosted, AppendToFeed) in apps/feed/src/feed.service.ts',
      );
      expect(tree.exists('apps/feed/src/handlers/handle-message-posted.ts')).toBe(false);
    });

    it('an unknown contract, listing those that exist', async () => {
      await expect(handlerGenerator(tree, { contract: 'order-shipped', service: 'feed' })).rejects.toThrow(
        /No contract "order-shipped" in packages\/contracts\/src \(known: .*chat\.message-posted\.v1.*\)/,
      );
    });

    it('a name two owners have', async () => {
      await contractGenerator(tree, { name: 'chat.get', kind: 'query' });
      await expect(handlerGenerator(tree, { contract: 'get', service: 'feed' })).rejects.toThrow(
        '"get" is ambiguous: chat.get, feed.get. Give the full name.',
      );
    });

    it('a version that does not exist', async () => {
      await expect(
        handlerGenerator(tree, { contract: 'order-placed', service: 'feed', major: 3 }),
      ).rejects.toThrow('orders.order-placed has no version 3 (have: v1)');
    });

    it('a project that does not exist or is not a service', async () => {
      await expect(handlerGenerator(tree, { contract: 'order-placed', service: 'orders' })).rejects.toThrow(
        'No project "orders" in the workspace (services: chat, feed)',
      );
      await expect(
        handlerGenerator(tree, { contract: 'order-placed', service: 'contracts' }),
      ).rejects.toThrow(/Project "contracts" has no exported defineService/);
    });

    it('to overwrite a handler file', async () => {
      tree.write('apps/feed/src/handlers/handle-order-placed.ts', '// mine\n');
      await expect(handlerGenerator(tree, { contract: 'order-placed', service: 'feed' })).rejects.toThrow(
        'Refusing to overwrite existing files: apps/feed/src/handlers/handle-order-placed.ts',
      );
    });
  });
});
