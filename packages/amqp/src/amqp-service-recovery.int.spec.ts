import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineEvent, defineService, on, type Service, type TransportStatus } from '@wharf/sdk';
import { handlerOf, startService, useServices } from './testing/services.js';
import { useTestVhost } from './testing/test-broker.js';
import { deferred, within } from './testing/wait.js';

const Shipped = defineEvent({ name: 'shop.shipped', version: 1, schema: z.object({ n: z.number().int() }) });

const vhost = useTestVhost('service-recovery');
const start = useServices();

/** Counts handler calls per message id and per service instance; resolves `all` once `total` ids were handled. */
function journal(total: number) {
  const calls = new Map<string, number>();
  const byInstance = new Map<string, number>();
  const all = deferred();
  return {
    calls,
    byInstance,
    all: (timeoutMs: number) => within(`${total} messages handled`, all.promise, timeoutMs),
    record(id: string, instance: string) {
      calls.set(id, (calls.get(id) ?? 0) + 1);
      byInstance.set(instance, (byInstance.get(instance) ?? 0) + 1);
      if (calls.size === total) all.resolve();
    },
    handledTwice: () => [...calls].filter(([, count]) => count > 1).map(([id]) => id),
  };
}

/** Publishes `count` events in concurrent chunks, calling `between` after each chunk has been confirmed. */
async function publishMany(
  producer: Service,
  count: number,
  chunk: number,
  between: (sent: number) => Promise<void> | void = () => undefined,
) {
  for (let sent = 0; sent < count; sent += chunk) {
    await Promise.all(
      Array.from({ length: Math.min(chunk, count - sent) }, (_, i) =>
        producer.bus.publish(Shipped, { n: sent + i }),
      ),
    );
    await between(sent + chunk);
  }
}

function statusReached(service: Service, status: TransportStatus): Promise<void> {
  const reached = deferred();
  const stop = service.transport.onStatus((next) => {
    if (next === status) {
      stop();
      reached.resolve();
    }
  });
  return within(`${service.info.name} ${status}`, reached.promise, 15_000);
}

describe('a service on AmqpTransport', () => {
  describe('with two competing instances', () => {
    it('handles each of 10,000 events exactly once, spread over both', async () => {
      const total = 10_000;
      const seen = journal(total);
      const definition = defineService({
        name: 'warehouse',
        handlers: [
          on(
            Shipped,
            handlerOf((payload: { n: number }, ctx) =>
              seen.record(String(payload.n), ctx.service.instanceId),
            ),
            { name: 'pick' },
          ),
        ],
      });
      await start(definition, vhost.url);
      await start(definition, vhost.url);
      const producer = await start(defineService({ name: 'shop' }), vhost.url);
      await publishMany(producer, total, 500);
      await seen.all(60_000);
      expect(seen.calls.size).toBe(total);
      expect(seen.handledTwice()).toEqual([]);
      expect([...seen.byInstance.values()]).toHaveLength(2);
      for (const count of seen.byInstance.values()) expect(count).toBeGreaterThan(0);
    });
  });

  describe('when the broker closes every connection while 5,000 events are published', () => {
    it('recovers, handles all 5,000 and none twice', async () => {
      const total = 5_000;
      const seen = journal(total);
      const definition = defineService({
        name: 'packer',
        handlers: [
          on(
            Shipped,
            handlerOf((payload: { n: number }, ctx) =>
              seen.record(String(payload.n), ctx.service.instanceId),
            ),
            { name: 'pack' },
          ),
        ],
      });
      const consumer = await start(definition, vhost.url);
      const producer = await start(defineService({ name: 'shop' }), vhost.url);
      const consumerDown = statusReached(consumer, 'reconnecting');
      const producerDown = statusReached(producer, 'reconnecting');
      let closing: Promise<void> | undefined;
      await publishMany(producer, total, 100, async (sent) => {
        if (sent === 1_000) closing = vhost.closeConnections('test');
        // The drop comes in the middle: the last half is published only once it has.
        if (sent === total / 2) await producerDown;
      });
      await closing;
      await consumerDown;
      await seen.all(30_000);
      expect(seen.calls.size).toBe(total);
      expect(seen.handledTwice()).toEqual([]);
      expect(consumer.health().ready).toBe(true);
      expect(producer.transport.status).toBe('connected');
    });
  });

  describe('when stopped during slow handlers', () => {
    it('lets in-flight handlers finish, returns the rest, and a restart handles them: none lost, none twice', async () => {
      const total = 20;
      const seen = journal(total);
      const gate = deferred();
      const started = deferred();
      let inHandler = 0;
      const definition = defineService({
        name: 'slowpoke',
        handlers: [
          on(
            Shipped,
            handlerOf(async (payload: { n: number }, ctx) => {
              inHandler += 1;
              if (inHandler === 2) started.resolve();
              await gate.promise;
              seen.record(String(payload.n), ctx.service.instanceId);
            }),
            { name: 'slow' },
          ),
        ],
      });
      const first = await startService(definition, vhost.url, { prefetch: 4, drainTimeoutMs: 10_000 });
      const producer = await start(defineService({ name: 'shop' }), vhost.url);
      await publishMany(producer, total, total);
      await within('two handlers to start', started.promise);
      const stopping = first.stop();
      await within(
        'draining',
        new Promise<void>((resolve) =>
          first.state === 'draining' ? resolve() : first.onState((s) => s === 'draining' && resolve()),
        ),
      );
      const startedBeforeStop = inHandler;
      expect(seen.calls.size).toBe(0);
      gate.resolve();
      await stopping;
      expect(first.state).toBe('stopped');
      // Every handler that had started finished before stop() returned; none started while draining.
      expect(seen.calls.size).toBe(startedBeforeStop);
      expect(startedBeforeStop).toBeLessThan(total);
      await start(definition, vhost.url);
      await seen.all(15_000);
      expect(seen.handledTwice()).toEqual([]);
    });
  });
});
