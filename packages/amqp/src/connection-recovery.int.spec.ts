import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WharfError, type TransportStatus } from '@wharf/sdk';
import { AmqpTransport, type AmqpTransportOptions } from './index.js';
import { aMessage, aTopology } from './testing/messages.js';
import { startTcpProxy, type TcpProxy } from './testing/tcp-proxy.js';
import { createTestVhost, type TestVhost } from './testing/test-broker.js';
import { deferred, within } from './testing/wait.js';

let vhost: TestVhost;
let proxy: TcpProxy;
const open: AmqpTransport[] = [];

async function connected(
  service: string,
  options: Partial<AmqpTransportOptions> = {},
): Promise<AmqpTransport> {
  const t = new AmqpTransport({ urls: [vhost.url], service, ...options });
  open.push(t);
  await t.connect();
  return t;
}

/** Resolves on the first time `t` reports `status`. */
function reaches(t: AmqpTransport, status: TransportStatus): Promise<Error | undefined> {
  const reached = deferred<Error | undefined>();
  const stop = t.onStatus((next, cause) => {
    if (next !== status) return;
    stop();
    reached.resolve(cause);
  });
  return within(`status ${status}`, reached.promise, 15_000);
}

/** Resolves when `t` has `status`, now or later. */
function settlesAt(t: AmqpTransport, status: TransportStatus): Promise<unknown> {
  return t.status === status ? Promise.resolve() : reaches(t, status);
}

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  vhost = await createTestVhost('recovery');
  proxy = await startTcpProxy();
});

afterEach(async () => {
  proxy.thaw();
  proxy.comeUp();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  await proxy?.close();
  await vhost?.remove();
});

describe('AmqpTransport', () => {
  describe('when the broker closes every connection in the middle of publishing', () => {
    it('reconnects, re-attaches the consumer and loses none of 2,000 messages', async () => {
      const total = 2_000;
      const topology = aTopology('survivor', { events: ['survivor.x.v1'] });
      const consumerSide = await connected('survivor');
      await consumerSide.declare(topology);
      const received = new Set<string>();
      const all = deferred();
      await consumerSide.consume(
        topology,
        async (delivery) => {
          received.add(delivery.message.id);
          await delivery.ack();
          if (received.size === total) all.resolve();
        },
        { prefetch: 50 },
      );
      const producer = await connected('producer');
      const producerDown = reaches(producer, 'reconnecting');
      const consumerDown = reaches(consumerSide, 'reconnecting');
      let down = false;
      void producerDown.then(() => (down = true));
      const ids: string[] = [];
      const publishes: Promise<void>[] = [];
      let closing: Promise<void> | undefined;
      for (let i = 0; i < total; i += 10) {
        if (i === 200) closing = vhost.closeConnections('test');
        // The drop must come in the middle: the last tenth is published only once it has.
        if (i === total - 200) await producerDown;
        const batch = Array.from({ length: 10 }, () => {
          const message = aMessage({ type: 'survivor.x.v1' });
          ids.push(message.id);
          return producer.publish(message, { timeoutMs: 30_000 });
        });
        publishes.push(...batch);
        // Paced by confirms until the connection drops, so that publishes are in flight when it does.
        if (!down) await Promise.allSettled(batch);
      }
      await closing;
      expect((await producerDown)?.message).toContain('CONNECTION_FORCED');
      await consumerDown;
      // Every publish is confirmed: those in flight at the drop were sent again on the new connection.
      await Promise.all(publishes);
      await within('every message to arrive', all.promise, 30_000);
      expect(ids.filter((id) => !received.has(id))).toEqual([]);
      await Promise.all([settlesAt(producer, 'connected'), settlesAt(consumerSide, 'connected')]);
    });
  });

  describe('when the broker is unreachable for a while', () => {
    const fast = { urls: [] as string[], reconnect: { minDelayMs: 50, maxDelayMs: 200 } };

    it('holds a publish until the connection is back, then confirms it', async () => {
      const topology = aTopology('patient', { events: ['patient.x.v1'] });
      const t = await connected('patient', { ...fast, urls: [proxy.url(vhost.name)] });
      await t.declare(topology);
      const down = reaches(t, 'reconnecting');
      proxy.goDown();
      await down;
      let settled = false;
      const publishing = t
        .publish(aMessage({ type: 'patient.x.v1' }), { timeoutMs: 10_000 })
        .finally(() => (settled = true));
      const up = reaches(t, 'connected');
      // Still waiting while the broker is away.
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      proxy.comeUp();
      await up;
      await publishing;
      const channel = await vhost.channel();
      expect(await channel.checkQueue(topology.queue)).toMatchObject({ messageCount: 1 });
      await channel.close();
    });

    it('fails a publish with TRANSPORT_UNAVAILABLE when the connection is not back within its timeout', async () => {
      const t = await connected('impatient', { ...fast, urls: [proxy.url(vhost.name)] });
      const down = reaches(t, 'reconnecting');
      proxy.goDown();
      await down;
      const started = Date.now();
      const error = await rejectionOf(t.publish(aMessage({ type: 'impatient.x.v1' }), { timeoutMs: 300 }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(WharfError.is(error) && error.code).toBe('TRANSPORT_UNAVAILABLE');
      expect((error as Error).message).toContain('impatient.x.v1');
    });

    it('fails a request whose connection dropped before the reply, without waiting for its timeout', async () => {
      const topology = aTopology('slowpoke', { commands: ['slowpoke.get.v1'] });
      const t = await connected('asker', { ...fast, urls: [proxy.url(vhost.name)] });
      await t.declare(topology);
      const arrived = deferred();
      const responder = await connected('slowpoke');
      await responder.consume(topology, async () => arrived.resolve(), { prefetch: 1 });
      const asking = rejectionOf(
        t.request(aMessage({ kind: 'query', type: 'slowpoke.get.v1' }), { timeoutMs: 20_000 }),
      );
      await within('the request to arrive', arrived.promise);
      // Confirms of one queue come in order: once this one is confirmed, so is the request (not sent again).
      await t.publish(aMessage({ kind: 'command', type: 'slowpoke.get.v1' }), { timeoutMs: 5_000 });
      const started = Date.now();
      proxy.goDown();
      const error = await asking;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(WharfError.is(error) && error.code).toBe('TRANSPORT_UNAVAILABLE');
    });
  });

  describe('when the broker stalls', () => {
    it('fails PUBLISH_TIMEOUT when no confirm comes within the timeout', async () => {
      const topology = aTopology('stalled', { events: ['stalled.x.v1'] });
      const t = await connected('stalled', { urls: [proxy.url(vhost.name)] });
      await t.declare(topology);
      proxy.freeze();
      const error = await rejectionOf(t.publish(aMessage({ type: 'stalled.x.v1' }), { timeoutMs: 300 }));
      expect(WharfError.is(error) && error.code).toBe('PUBLISH_TIMEOUT');
      expect((error as Error).message).toBe('RabbitMQ did not confirm stalled.x.v1 within 300 ms');
    });

    it('waits on close for the confirms still outstanding', async () => {
      const topology = aTopology('closing', { events: ['closing.x.v1'] });
      const t = await connected('closing', { urls: [proxy.url(vhost.name)] });
      await t.declare(topology);
      proxy.freeze();
      const order: string[] = [];
      const publishing = t
        .publish(aMessage({ type: 'closing.x.v1' }), { timeoutMs: 10_000 })
        .then(() => order.push('confirmed'));
      const closing = t.close().then(() => order.push('closed'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(order).toEqual([]);
      proxy.thaw();
      await Promise.all([publishing, closing]);
      expect(order).toEqual(['confirmed', 'closed']);
      expect(t.status).toBe('closed');
    });

    it('bounds close when the broker never answers', async () => {
      const t = await connected('stuck', { urls: [proxy.url(vhost.name)], closeTimeoutMs: 300 });
      await t.declare(aTopology('stuck', { events: ['stuck.x.v1'] }));
      proxy.freeze();
      const publishing = rejectionOf(t.publish(aMessage({ type: 'stuck.x.v1' }), { timeoutMs: 10_000 }));
      const started = Date.now();
      await t.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      const error = await publishing;
      expect(WharfError.is(error) && error.code).toBe('TRANSPORT_UNAVAILABLE');
    });
  });

  describe('when the broker cancels a consumer', () => {
    it('reports not connected, declares the queue again and re-attaches', async () => {
      const topology = aTopology('deleted', { events: ['deleted.x.v1'] });
      const t = await connected('deleted', { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
      await t.declare(topology);
      const got = deferred<string>();
      await t.consume(
        topology,
        async (delivery) => {
          got.resolve(delivery.message.id);
          await delivery.ack();
        },
        { prefetch: 1 },
      );
      const lost = reaches(t, 'reconnecting');
      const channel = await vhost.channel();
      await channel.deleteQueue(topology.queue);
      expect((await lost)?.message).toContain('cancelled the consumer of deleted');
      await reaches(t, 'connected');
      const message = aMessage({ type: 'deleted.x.v1' });
      await t.publish(message, { timeoutMs: 5_000 });
      expect(await within('a delivery on the re-attached consumer', got.promise)).toBe(message.id);
      await channel.close();
    });
  });

  describe('when a channel dies under a live connection', () => {
    it('rebuilds on a new connection: a deleted exchange is declared again and the publish goes through', async () => {
      const topology = aTopology('rebuilt', { events: ['rebuilt.x.v1'] });
      const t = await connected('rebuilt', { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
      await t.declare(topology);
      const channel = await vhost.channel();
      await channel.deleteExchange('wharf.events');
      const down = reaches(t, 'reconnecting');
      await t.publish(aMessage({ type: 'rebuilt.x.v1' }), { timeoutMs: 10_000 });
      expect((await down)?.message).toContain('NOT_FOUND');
      expect(await channel.checkQueue(topology.queue)).toMatchObject({ messageCount: 1 });
      await channel.close();
    });
  });
});
