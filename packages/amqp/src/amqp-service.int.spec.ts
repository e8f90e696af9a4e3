import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  answer,
  defineEvent,
  defineQuery,
  defineService,
  on,
  WharfError,
  type DispatchEvent,
  type Service,
} from '@wharf/sdk';
import { handlerOf, useServices } from './testing/services.js';
import { useTestVhost } from './testing/test-broker.js';
import { deferred, within } from './testing/wait.js';

const Deposited = defineEvent({
  name: 'bank.deposited',
  version: 1,
  schema: z.object({ account: z.string(), cents: z.number().int() }),
});
const Balance = defineQuery({
  name: 'ledger.balance',
  version: 1,
  request: z.object({ account: z.string() }),
  response: z.object({ cents: z.number().int() }),
});
const Nobody = defineEvent({ name: 'bank.audited', version: 1, schema: z.object({}) });

const vhost = useTestVhost('service');
const start = useServices();

/** Resolves with the first `count` dispatch events of `service` matching `match`. */
function dispatched(
  service: Service,
  count: number,
  match: (event: DispatchEvent) => boolean = () => true,
  timeoutMs = 15_000,
) {
  const seen: DispatchEvent[] = [];
  const done = deferred<DispatchEvent[]>();
  const stop = service.onDispatch((event) => {
    if (!match(event)) return;
    seen.push(event);
    if (seen.length === count) {
      stop();
      done.resolve(seen);
    }
  });
  return within(`${count} dispatch events of ${service.info.name}`, done.promise, timeoutMs);
}

describe('a service on AmqpTransport', () => {
  describe('when a handler fails twice, then succeeds', () => {
    it('retries through the delay queue and handles the message on the third attempt', async () => {
      const attempts: number[] = [];
      const ledger = defineService({
        name: 'flaky',
        retry: { maxAttempts: 5, initialDelayMs: 100, jitter: 0 },
        handlers: [
          on(
            Deposited,
            handlerOf((_payload, ctx) => {
              attempts.push(ctx.attempt);
              if (ctx.attempt < 3) throw new Error(`not yet (attempt ${ctx.attempt})`);
            }),
            { name: 'flaky-deposit' },
          ),
        ],
      });
      const service = await start(ledger, vhost.url);
      const outcomes = dispatched(service, 3);
      await service.bus.publish(Deposited, { account: 'a', cents: 1 });
      expect((await outcomes).map((e) => `${e.outcome}@${e.attempt}`)).toEqual([
        'retrying@1',
        'retrying@2',
        'handled@3',
      ]);
      expect(attempts).toEqual([1, 2, 3]);
    });
  });

  describe('when a handler always fails', () => {
    it('dead-letters the message after the last attempt with the x-wharf-* reason headers', async () => {
      const definition = defineService({
        name: 'doomed',
        retry: { maxAttempts: 3, initialDelayMs: 50, jitter: 0 },
        handlers: [
          on(
            Deposited,
            handlerOf(() => Promise.reject(new Error('the ledger is on fire'))),
            { name: 'doomed-deposit' },
          ),
        ],
      });
      const service = await start(definition, vhost.url);
      const outcomes = dispatched(service, 3);
      await service.bus.publish(Deposited, { account: 'b', cents: 2 });
      expect((await outcomes).map((e) => e.outcome)).toEqual(['retrying', 'retrying', 'dead-lettered']);
      const channel = await vhost.channel();
      const dead = await channel.get('doomed.dlq', { noAck: true });
      expect(dead && JSON.parse(dead.content.toString())).toEqual({ account: 'b', cents: 2 });
      const headers: Record<string, unknown> = (dead ? dead.properties.headers : undefined) ?? {};
      expect(headers).toMatchObject({
        'x-wharf-error-code': 'HANDLER_FAILED',
        'x-wharf-error-message': 'the ledger is on fire',
        'x-wharf-attempts': '3',
        'x-wharf-service': 'doomed',
        'x-wharf-handler': 'doomed-deposit',
      });
      expect(Date.parse(String(headers['x-wharf-first-failure-at']))).toBeLessThanOrEqual(
        Date.parse(String(headers['x-wharf-last-failure-at'])),
      );
      expect(await channel.checkQueue('doomed')).toMatchObject({ messageCount: 0 });
      await channel.close();
    });
  });

  describe('when poison messages arrive', () => {
    it('dead-letters each with its reason at once, stays ready and handles the next valid message', async () => {
      const handled: unknown[] = [];
      const definition = defineService({
        name: 'sturdy',
        handlers: [
          on(
            Deposited,
            handlerOf((payload) => void handled.push(payload)),
            { name: 'sturdy-deposit' },
          ),
        ],
      });
      const service = await start(definition, vhost.url);
      const outcomes = dispatched(service, 4);
      const channel = await vhost.channel();
      const properties = {
        contentType: 'application/json',
        messageId: 'poison',
        appId: 'raw',
        persistent: true,
      };
      const type = Deposited.type;
      channel.publish('wharf.events', type, Buffer.from('not json {'), {
        ...properties,
        type,
        messageId: 'not-json',
      });
      channel.publish('wharf.events', type, Buffer.from('{"account":7}'), {
        ...properties,
        type,
        messageId: 'bad-schema',
      });
      channel.sendToQueue('sturdy', Buffer.from('{}'), {
        ...properties,
        type: 'bank.unknown.v1',
        messageId: 'unknown-type',
      });
      const huge = Buffer.from(JSON.stringify({ account: 'x'.repeat(5 * 1024 * 1024), cents: 1 }));
      channel.publish('wharf.events', type, huge, { ...properties, type, messageId: 'too-large' });
      const events = await outcomes;
      expect(events.map((e) => e.outcome)).toEqual([
        'dead-lettered',
        'dead-lettered',
        'dead-lettered',
        'dead-lettered',
      ]);
      const reasons = new Map(events.map((e) => [e.message.id, e.error?.code]));
      expect(Object.fromEntries(reasons)).toEqual({
        'not-json': 'MALFORMED_MESSAGE',
        'bad-schema': 'CONTRACT_VIOLATION',
        'unknown-type': 'NO_HANDLER',
        'too-large': 'MESSAGE_TOO_LARGE',
      });
      const inDlq = new Map<string, unknown>();
      for (let i = 0; i < 4; i += 1) {
        const dead = await channel.get('sturdy.dlq', { noAck: true });
        if (dead)
          inDlq.set(String(dead.properties.messageId), dead.properties.headers?.['x-wharf-error-code']);
      }
      expect(Object.fromEntries(inDlq)).toEqual(Object.fromEntries(reasons));
      expect(service.health().ready).toBe(true);
      const next = dispatched(service, 1);
      await service.bus.publish(Deposited, { account: 'ok', cents: 3 });
      expect((await next)[0]?.outcome).toBe('handled');
      expect(handled).toEqual([{ account: 'ok', cents: 3 }]);
      await channel.close();
    });
  });

  describe('when publishing a type no queue is bound to', () => {
    it('fails UNROUTABLE', async () => {
      const producer = await start(defineService({ name: 'auditor' }), vhost.url);
      const error = await producer.bus.publish(Nobody, {}).catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('UNROUTABLE');
      expect((error as Error).message).toContain('bank.audited.v1');
    });
  });

  describe('when requesting', () => {
    const ledger = defineService({
      name: 'ledger',
      handlers: [
        answer(
          Balance,
          handlerOf((request: { account: string }) => ({ cents: request.account.length * 100 })),
          { name: 'balance' },
        ),
      ],
    });

    it('gets the answer of the owning service', async () => {
      await start(ledger, vhost.url);
      const client = await start(defineService({ name: 'teller' }), vhost.url);
      await expect(client.bus.request(Balance, { account: 'abc' }, { timeoutMs: 5_000 })).resolves.toEqual({
        cents: 300,
      });
    });

    it('times out naming the query and the service when that service is down', async () => {
      const owner = await start(ledger, vhost.url);
      await owner.stop();
      const client = await start(defineService({ name: 'teller' }), vhost.url);
      const started = Date.now();
      const error = await client.bus
        .request(Balance, { account: 'abc' }, { timeoutMs: 500 })
        .catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(WharfError.is(error) && error.code).toBe('REQUEST_TIMEOUT');
      expect((error as Error).message).toBe('No reply to ledger.balance.v1 from ledger within 500 ms');
      const channel = await vhost.channel();
      await channel.purgeQueue('ledger');
      await channel.close();
    });
  });
});
