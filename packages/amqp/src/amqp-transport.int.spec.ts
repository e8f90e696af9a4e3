import { afterEach, describe, expect, it } from 'vitest';
import { WharfError, type Delivery, type TransportMessage } from '@wharf/sdk';
import { AmqpTransport, amqpTransport } from './index.js';
import { aMessage, aTopology } from './testing/messages.js';
import { rabbitmqctl, useTestVhost } from './testing/test-broker.js';
import { deferred, within } from './testing/wait.js';

const vhost = useTestVhost('transport');
const open: AmqpTransport[] = [];

function transport(service = 'test'): AmqpTransport {
  const created = new AmqpTransport({ urls: [vhost.url], service });
  open.push(created);
  return created;
}

async function connected(service = 'test'): Promise<AmqpTransport> {
  const created = transport(service);
  await created.connect();
  return created;
}

/** Consumes `topology` and resolves with the first `count` deliveries (acking none of them). */
async function take(t: AmqpTransport, topology: ReturnType<typeof aTopology>, count: number, prefetch = 50) {
  const got: Delivery[] = [];
  const done = deferred<Delivery[]>();
  const consumer = await t.consume(
    topology,
    async (delivery) => {
      got.push(delivery);
      if (got.length === count) done.resolve(got);
    },
    { prefetch },
  );
  return { deliveries: within(`${count} deliveries from ${topology.queue}`, done.promise), consumer };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('AmqpTransport', () => {
  describe('when connecting', () => {
    it('reports connecting then connected, names the connection after the service and serves amqp URLs', async () => {
      const t = amqpTransport.create([vhost.url], { service: 'named-service' }) as AmqpTransport;
      open.push(t);
      const statuses: string[] = [];
      t.onStatus((status) => statuses.push(status));
      expect(t.status).toBe('idle');
      await t.connect();
      expect(statuses).toEqual(['connecting', 'connected']);
      const connections = await rabbitmqctl('list_connections', '-p', vhost.name, 'client_properties');
      expect(connections).toContain('{"connection_name","named-service"}');
      expect(t.system).toBe('rabbitmq');
      expect(amqpTransport.schemes).toEqual(['amqp', 'amqps']);
    });

    it('tries the URLs of a cluster in turn', async () => {
      const unreachable = 'amqp://guest:guest@127.0.0.1:1/nowhere';
      const t = new AmqpTransport({ urls: [unreachable, vhost.url], service: 'test' });
      open.push(t);
      await t.connect();
      expect(t.status).toBe('connected');
    });

    it('fails TRANSPORT_UNAVAILABLE when no URL answers within the connect timeout', async () => {
      const t = new AmqpTransport({
        urls: ['amqp://guest:guest@127.0.0.1:1/'],
        service: 'test',
        connectTimeoutMs: 300,
      });
      open.push(t);
      const error = await t.connect().catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('TRANSPORT_UNAVAILABLE');
      expect((error as Error).message).toContain('127.0.0.1:1');
      expect(t.status).toBe('idle');
    });
  });

  describe('when declaring', () => {
    it('is idempotent and refuses a queue type that contradicts the existing queue', async () => {
      const t = await connected();
      const topology = aTopology('declared', { events: ['declared.a.v1'], queueType: 'quorum' });
      await t.declare(topology);
      await t.declare(topology);
      const error = await t.declare({ ...topology, queueType: 'classic' }).catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('CONFIG_INVALID');
      // A refused declaration does not harm the connection.
      await t.publish(aMessage({ type: 'declared.a.v1' }), { timeoutMs: 5_000 });
      expect(t.status).toBe('connected');
    });
  });

  describe('when publishing', () => {
    it('delivers every property of an event to a bound queue', async () => {
      const t = await connected();
      const topology = aTopology('roundtrip', { events: ['roundtrip.happened.v1'] });
      await t.declare(topology);
      const { deliveries } = await take(t, topology, 1);
      const sent = aMessage({
        type: 'roundtrip.happened.v1',
        body: Buffer.from('{"ok":true,"text":"héllo"}'),
        headers: {
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          'x-wharf-attempt': '1',
        },
        appId: 'producer',
        timestamp: 1_700_000_000_123,
        correlationId: 'corr-1',
      });
      await t.publish(sent, { timeoutMs: 5_000 });
      const [delivery] = await deliveries;
      const received = delivery?.message as TransportMessage;
      expect(received).toEqual(sent);
      expect(delivery?.redelivered).toBe(false);
      await delivery?.ack();
    });

    it('routes commands to the queue bound to their type, keeping their kind', async () => {
      const t = await connected();
      const topology = aTopology('commanded', { commands: ['commanded.do.v1'] });
      await t.declare(topology);
      const { deliveries } = await take(t, topology, 1);
      const sent = aMessage({ kind: 'command', type: 'commanded.do.v1' });
      await t.publish(sent, { timeoutMs: 5_000 });
      const [delivery] = await deliveries;
      expect(delivery?.message.kind).toBe('command');
      expect(delivery?.message.id).toBe(sent.id);
      await delivery?.ack();
    });

    it('resolves only once the broker holds the message', async () => {
      const t = await connected();
      const topology = aTopology('confirmed', { events: ['confirmed.x.v1'] });
      await t.declare(topology);
      await Promise.all(
        Array.from({ length: 50 }, () =>
          t.publish(aMessage({ type: 'confirmed.x.v1' }), { timeoutMs: 5_000 }),
        ),
      );
      const channel = await vhost.channel();
      expect((await channel.checkQueue(topology.queue)).messageCount).toBe(50);
      await channel.close();
    });

    it('rejects UNROUTABLE, naming type and exchange, when no queue is bound to the type', async () => {
      const t = await connected();
      const error = await t
        .publish(aMessage({ type: 'nobody.listens.v1' }), { timeoutMs: 5_000 })
        .catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('UNROUTABLE');
      expect((error as Error).message).toContain('nobody.listens.v1');
      expect((error as Error).message).toContain('wharf.events');
      // Routable messages published right after are unaffected.
      const command = await t
        .publish(aMessage({ kind: 'command', type: 'nobody.does.v1' }), { timeoutMs: 5_000 })
        .catch((e: unknown) => e);
      expect(WharfError.is(command) && command.code).toBe('UNROUTABLE');
      expect((command as Error).message).toContain('wharf.commands');
    });

    it('tells a routable message from an unroutable one with the same id in flight', async () => {
      const t = await connected();
      const topology = aTopology('sameid', { events: ['sameid.ok.v1'] });
      await t.declare(topology);
      const id = 'shared-id';
      const results = await Promise.allSettled([
        t.publish(aMessage({ id, type: 'sameid.lost.v1' }), { timeoutMs: 5_000 }),
        t.publish(aMessage({ id, type: 'sameid.ok.v1' }), { timeoutMs: 5_000 }),
        t.publish(aMessage({ id, type: 'sameid.lost.v1' }), { timeoutMs: 5_000 }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
      // The first publish of an id goes untagged, later ones in flight with a tag: either may be the returned one.
      const reversed = await Promise.allSettled([
        t.publish(aMessage({ id, type: 'sameid.ok.v1' }), { timeoutMs: 5_000 }),
        t.publish(aMessage({ id, type: 'sameid.lost.v1' }), { timeoutMs: 5_000 }),
        t.publish(aMessage({ id, type: 'sameid.ok.v1' }), { timeoutMs: 5_000 }),
      ]);
      expect(reversed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    });

    it('rejects a message the broker refuses (basic.nack)', async () => {
      const t = await connected();
      const channel = await vhost.channel();
      await channel.assertQueue('full', {
        durable: true,
        arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
      });
      await channel.bindQueue('full', 'wharf.events', 'full.x.v1');
      const error = await t
        .publish(aMessage({ type: 'full.x.v1' }), { timeoutMs: 5_000 })
        .catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('TRANSPORT_UNAVAILABLE');
      expect((error as Error).message).toContain('basic.nack');
      await channel.close();
    });

    it('rejects at once before connect and after close', async () => {
      const t = transport();
      const before = await t.publish(aMessage(), { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(WharfError.is(before) && before.code).toBe('TRANSPORT_UNAVAILABLE');
      await t.connect();
      await t.close();
      const after = await t.publish(aMessage(), { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(WharfError.is(after) && after.code).toBe('TRANSPORT_UNAVAILABLE');
      expect(t.status).toBe('closed');
    });
  });

  describe('when requesting', () => {
    it('gets the reply with the request’s correlation id over direct reply-to', async () => {
      const responder = await connected('answers');
      const topology = aTopology('answers', { commands: ['answers.get.v1'] });
      await responder.declare(topology);
      await responder.consume(
        topology,
        async (delivery) => {
          const request = delivery.message;
          await responder.publish(
            aMessage({
              kind: 'reply',
              type: request.type,
              body: Buffer.from(JSON.stringify({ ok: true, echo: JSON.parse(request.body.toString()) })),
              correlationId: request.correlationId ?? request.id,
              replyTo: request.replyTo ?? '',
              appId: 'answers',
            }),
            { timeoutMs: 5_000 },
          );
          await delivery.ack();
        },
        { prefetch: 10 },
      );
      const requester = await connected('asks');
      const replies = await Promise.all(
        [1, 2, 3].map((n) =>
          requester.request(
            aMessage({ kind: 'query', type: 'answers.get.v1', body: Buffer.from(JSON.stringify({ n })) }),
            {
              timeoutMs: 5_000,
            },
          ),
        ),
      );
      expect(replies.map((reply) => JSON.parse(reply.body.toString()).echo.n)).toEqual([1, 2, 3]);
      expect(replies[0]?.kind).toBe('reply');
      expect(replies[0]?.appId).toBe('answers');
    });

    it('times out with REQUEST_TIMEOUT naming the query and its service when no one answers', async () => {
      const t = await connected();
      await t.declare(aTopology('silent', { commands: ['silent.get.v1'] }));
      const started = Date.now();
      const error = await t
        .request(aMessage({ kind: 'query', type: 'silent.get.v1' }), { timeoutMs: 300 })
        .catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(WharfError.is(error) && error.code).toBe('REQUEST_TIMEOUT');
      expect((error as Error).message).toBe('No reply to silent.get.v1 from silent within 300 ms');
    });

    it('fails UNROUTABLE when no service handles the query', async () => {
      const t = await connected();
      const error = await t
        .request(aMessage({ kind: 'query', type: 'ghost.get.v1' }), { timeoutMs: 2_000 })
        .catch((e: unknown) => e);
      expect(WharfError.is(error) && error.code).toBe('UNROUTABLE');
    });
  });

  describe('when consuming', () => {
    it('consumes a queue whose declaration is still in flight, once it is declared', async () => {
      const t = await connected();
      const topology = aTopology('declaring', { events: ['declaring.x.v1'] });
      const declaring = t.declare(topology);
      const taking = take(t, topology, 1);
      await declaring;
      const { deliveries } = await taking;
      const sent = aMessage({ type: 'declaring.x.v1' });
      await t.publish(sent, { timeoutMs: 5_000 });
      const [delivery] = await deliveries;
      expect(delivery?.message.id).toBe(sent.id);
      await delivery?.ack();
    });

    it('fails a consume whose queue declaration in flight is refused, and stays connected', async () => {
      const t = await connected();
      const topology = aTopology('contradicted', { events: ['contradicted.x.v1'], queueType: 'quorum' });
      await t.declare(topology);
      const classic = { ...topology, queueType: 'classic' as const };
      const declaring = t.declare(classic).catch((e: unknown) => e);
      const consuming = t.consume(classic, async () => undefined, { prefetch: 1 }).catch((e: unknown) => e);
      const [declareError, consumeError] = await Promise.all([declaring, consuming]);
      expect(WharfError.is(declareError) && declareError.code).toBe('CONFIG_INVALID');
      expect(consumeError).toBe(declareError);
      // Neither the refused declaration nor the abandoned consumer channel harms the connection.
      const { deliveries } = await take(t, topology, 1);
      await t.publish(aMessage({ type: 'contradicted.x.v1' }), { timeoutMs: 5_000 });
      await (await deliveries)[0]?.ack();
      expect(t.status).toBe('connected');
    });

    it('hands over up to prefetch deliveries at once, without waiting for earlier ones', async () => {
      const t = await connected();
      const topology = aTopology('prefetched', { events: ['prefetched.x.v1'] });
      await t.declare(topology);
      await Promise.all(
        Array.from({ length: 8 }, () =>
          t.publish(aMessage({ type: 'prefetched.x.v1' }), { timeoutMs: 5_000 }),
        ),
      );
      const { deliveries } = await take(t, topology, 5, 5);
      // Five handlers are running (none has settled) and all five were handed over: concurrency up to prefetch.
      const held = await deliveries;
      expect(held).toHaveLength(5);
      await Promise.all(held.map((d) => d.ack()));
    });

    it('requeues a released message, marked redelivered', async () => {
      const t = await connected();
      const topology = aTopology('released', { events: ['released.x.v1'] });
      await t.declare(topology);
      const first = deferred<Delivery>();
      const again = deferred<Delivery>();
      let count = 0;
      await t.consume(
        topology,
        async (delivery) => {
          count += 1;
          if (count === 1) {
            first.resolve(delivery);
            await delivery.release();
          } else {
            again.resolve(delivery);
          }
        },
        { prefetch: 1 },
      );
      const sent = aMessage({ type: 'released.x.v1' });
      await t.publish(sent, { timeoutMs: 5_000 });
      expect((await within('first delivery', first.promise)).redelivered).toBe(false);
      const redelivered = await within('redelivery', again.promise);
      expect(redelivered.message.id).toBe(sent.id);
      expect(redelivered.redelivered).toBe(true);
      await redelivered.ack();
    });

    it('gives each message to one of two competing consumers', async () => {
      const topology = aTopology('competing', { events: ['competing.x.v1'] });
      const a = await connected('competing');
      const b = await connected('competing');
      await a.declare(topology);
      const seen = { a: new Set<string>(), b: new Set<string>() };
      const total = 400;
      const all = deferred();
      const record = (who: 'a' | 'b') => async (delivery: Delivery) => {
        seen[who].add(delivery.message.id);
        await delivery.ack();
        if (seen.a.size + seen.b.size === total) all.resolve();
      };
      await a.consume(topology, record('a'), { prefetch: 5 });
      await b.consume(topology, record('b'), { prefetch: 5 });
      const producer = await connected('producer');
      await Promise.all(
        Array.from({ length: total }, () =>
          producer.publish(aMessage({ type: 'competing.x.v1' }), { timeoutMs: 10_000 }),
        ),
      );
      await within('all messages consumed', all.promise, 20_000);
      expect(seen.a.size).toBeGreaterThan(0);
      expect(seen.b.size).toBeGreaterThan(0);
      expect([...seen.a].filter((id) => seen.b.has(id))).toEqual([]);
      expect(seen.a.size + seen.b.size).toBe(total);
    });

    it('stops deliveries on cancel, and still settles what was handed over', async () => {
      const t = await connected();
      const topology = aTopology('cancelled', { events: ['cancelled.x.v1'] });
      await t.declare(topology);
      const { deliveries, consumer } = await take(t, topology, 1);
      await t.publish(aMessage({ type: 'cancelled.x.v1' }), { timeoutMs: 5_000 });
      const [held] = await deliveries;
      await consumer.cancel();
      const later = aMessage({ type: 'cancelled.x.v1' });
      await t.publish(later, { timeoutMs: 5_000 });
      await held?.ack();
      // The message published after cancel was not delivered: it waits in the queue, alone.
      const channel = await vhost.channel();
      const waiting = await channel.get(topology.queue, { noAck: true });
      expect(waiting && waiting.properties.messageId).toBe(later.id);
      expect(await channel.get(topology.queue, { noAck: true })).toBe(false);
      await channel.close();
    });
  });
});
