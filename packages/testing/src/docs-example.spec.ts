// The complete service of docs/sdk.md, kept compiling and passing here.
import {
  ContainerModule,
  defineEvent,
  defineService,
  inject,
  injectable,
  on,
  type EventHandler,
  type MessageContext,
  type Payload,
} from '@wharf/sdk';
import { afterEach, expect, it } from 'vitest';
import * as z from 'zod';
import { createTestHarness, type TestHarness } from './index.js';

const RoomCleared = defineEvent({
  name: 'feed.room-cleared', version: 1,
  schema: z.object({ room: z.string().min(1), clearedAt: z.iso.datetime() }),
});

const AuditLog = Symbol.for('audit/AuditLog');
type AuditLog = string[];

@injectable()
class RecordClearing implements EventHandler<typeof RoomCleared> {
  constructor(@inject(AuditLog) private readonly log: AuditLog) {}
  async handle(event: Payload<typeof RoomCleared>, ctx: MessageContext): Promise<void> {
    this.log.push(`${event.room} cleared at ${event.clearedAt}`);
    ctx.logger.info({ room: event.room }, 'recorded');
  }
}

const auditService = defineService({
  name: 'audit',
  modules: [new ContainerModule(({ bind }) => void bind(AuditLog).toConstantValue([]))],
  handlers: [on(RoomCleared, RecordClearing, { retry: { maxAttempts: 3 } })],
});

let harness: TestHarness;
afterEach(() => harness.stop());

it('runs the service of docs/sdk.md on the in-memory transport', async () => {
  harness = await createTestHarness([auditService]);
  await harness.publish(RoomCleared, { room: 'r1', clearedAt: new Date().toISOString() });
  await harness.waitForHandled(RoomCleared);
  expect(harness.get<AuditLog>(AuditLog)).toHaveLength(1);
});
