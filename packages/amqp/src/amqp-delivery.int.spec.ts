import { afterEach, describe, expect, it } from 'vitest';
import { retryQueue, type Delivery } from '@wharf/sdk';
import { AmqpTransport } from './index.js';
import { aMessage, aTopology } from './testing/messages.js';
import { useTestVhost } from './testing/test-broker.js';
import { deferred, within } from './testing/wait.js';

const vhost = useTestVhost('delivery');
const open: AmqpTransport[] = [];

async function connected(service: string): Promise<AmqpTransport> {
  const t = new AmqpTransport({ urls: [vhost.url], service });
  open.push(t);
  await t.connect();
  return t;
}

/** Consumes with `handle` per delivery, numbering them from 1. */
async function consumeWith(
  t: AmqpTransport,
  topology: ReturnType<typeof aTopology>,
  handle: (d: Delivery, n: number) => Promise<void>,
) {
  let n = 0;
  return t.consume(topology, (delivery) => handle(delivery, (n += 1)), { prefetch: 10 });
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('AmqpDelivery', () => {
  describe('when retried', () => {
    it('comes back to the service queue after at least the delay, with the new headers', async () => {
      const t = await connected('retrying');
      const topology = aTopology('retrying', { events: ['retrying.x.v1'] });
      await t.declare(topology);
      const back = deferred<{ delivery: Delivery; at: number }>();
      let retriedAt = 0;
      await consumeWith(t, topology, async (delivery, n) => {
        if (n === 1) {
          retriedAt = Date.now();
          await delivery.retry(300, {
            ...delivery.message.headers,
            'x-wharf-attempt': '2',
            'x-wharf-error-code': 'HANDLER_FAILED',
          });
        } else {
          back.resolve({ delivery, at: Date.now() });
        }
      });
      const sent = aMessage({
        type: 'retrying.x.v1',
        headers: { traceparent: 'tp-1', 'x-wharf-attempt': '1' },
        correlationId: 'c-1',
      });
      await t.publish(sent, { timeoutMs: 5_000 });
      const { delivery, at } = await within('the retried message', back.promise);
      expect(at - retriedAt).toBeGreaterThanOrEqual(300);
      expect(delivery.message).toEqual({
        ...sent,
        headers: { traceparent: 'tp-1', 'x-wharf-attempt': '2', 'x-wharf-error-code': 'HANDLER_FAILED' },
      });
      await delivery.ack();
      const channel = await vhost.channel();
      // The delay queue is a classic queue of the 100 ms tier, declared on first use; nothing is left in it.
      expect(await channel.checkQueue(retryQueue('retrying', 100))).toMatchObject({ messageCount: 0 });
      expect(await channel.checkQueue(topology.queue)).toMatchObject({ messageCount: 0 });
      await channel.close();
    });

    it('keeps shorter delays out of the way of longer ones', async () => {
      const t = await connected('tiers');
      const topology = aTopology('tiers', { events: ['tiers.x.v1'] });
      await t.declare(topology);
      const order: string[] = [];
      const both = deferred();
      await consumeWith(t, topology, async (delivery) => {
        const label = JSON.parse(delivery.message.body.toString()).label as string;
        if (delivery.message.headers['x-wharf-attempt'] === undefined) {
          await delivery.retry(label === 'slow' ? 1_500 : 150, { 'x-wharf-attempt': '2' });
          return;
        }
        order.push(label);
        await delivery.ack();
        if (order.length === 2) both.resolve();
      });
      // The slow one is retried first; in one shared delay queue it would hold the fast one back.
      await t.publish(aMessage({ type: 'tiers.x.v1', body: Buffer.from('{"label":"slow"}') }), {
        timeoutMs: 5_000,
      });
      await t.publish(aMessage({ type: 'tiers.x.v1', body: Buffer.from('{"label":"fast"}') }), {
        timeoutMs: 5_000,
      });
      await within('both retried messages', both.promise);
      expect(order).toEqual(['fast', 'slow']);
    });
  });

  describe('when dead-lettered', () => {
    it('lands in the dead-letter queue with the reason headers and leaves the service queue', async () => {
      const t = await connected('failing');
      const topology = aTopology('failing', { events: ['failing.x.v1'] });
      await t.declare(topology);
      const settled = deferred();
      await consumeWith(t, topology, async (delivery) => {
        await delivery.deadLetter({
          'x-wharf-error-code': 'CONTRACT_VIOLATION',
          'x-wharf-error-message': 'bad',
          'x-wharf-attempts': '1',
        });
        settled.resolve();
      });
      const sent = aMessage({ type: 'failing.x.v1', body: Buffer.from('{"oops":1}') });
      await t.publish(sent, { timeoutMs: 5_000 });
      await within('the dead-lettering', settled.promise);
      const channel = await vhost.channel();
      const dead = await channel.get(topology.deadLetterQueue, { noAck: true });
      expect(dead && dead.content.toString()).toBe('{"oops":1}');
      expect(dead && dead.properties).toMatchObject({
        messageId: sent.id,
        type: 'failing.x.v1',
        appId: 'test',
        headers: {
          'x-wharf-error-code': 'CONTRACT_VIOLATION',
          'x-wharf-error-message': 'bad',
          'x-wharf-attempts': '1',
        },
      });
      expect(await channel.checkQueue(topology.queue)).toMatchObject({ messageCount: 0 });
      await channel.close();
    });
  });

  describe('when settled', () => {
    it('takes the first settle call only', async () => {
      const t = await connected('once');
      const topology = aTopology('once', { events: ['once.x.v1'] });
      await t.declare(topology);
      const done = deferred();
      await consumeWith(t, topology, async (delivery) => {
        await delivery.ack();
        await delivery.release();
        await delivery.deadLetter({});
        done.resolve();
      });
      await t.publish(aMessage({ type: 'once.x.v1' }), { timeoutMs: 5_000 });
      await within('the settling', done.promise);
      const channel = await vhost.channel();
      expect(await channel.checkQueue(topology.queue)).toMatchObject({ messageCount: 0 });
      expect(await channel.checkQueue(topology.deadLetterQueue)).toMatchObject({ messageCount: 0 });
      await channel.close();
      // The channel is still healthy: a second ack on it would have closed it.
      expect(t.status).toBe('connected');
    });

    it('does nothing, and does not throw, once the channel has closed: the broker has requeued the message', async () => {
      const t = await connected('late');
      const topology = aTopology('late', { events: ['late.x.v1'] });
      await t.declare(topology);
      const first = deferred<Delivery>();
      const again = deferred<Delivery>();
      await consumeWith(t, topology, async (delivery, n) =>
        n === 1 ? first.resolve(delivery) : again.resolve(delivery),
      );
      await t.publish(aMessage({ type: 'late.x.v1' }), { timeoutMs: 5_000 });
      const held = await within('the first delivery', first.promise);
      await vhost.closeConnections('late settle');
      const redelivered = await within('the redelivery after reconnecting', again.promise);
      await expect(held.ack()).resolves.toBeUndefined();
      await expect(held.retry(100, {})).resolves.toBeUndefined();
      expect(redelivered.redelivered).toBe(true);
      await redelivered.ack();
    });

    it('gives the message back when the handler fails without settling it', async () => {
      const t = await connected('throwing');
      const topology = aTopology('throwing', { events: ['throwing.x.v1'] });
      await t.declare(topology);
      const again = deferred<Delivery>();
      await consumeWith(t, topology, async (delivery, n) => {
        if (n === 1) throw new Error('handler bug');
        again.resolve(delivery);
      });
      await t.publish(aMessage({ type: 'throwing.x.v1' }), { timeoutMs: 5_000 });
      const redelivered = await within('the redelivery', again.promise);
      expect(redelivered.redelivered).toBe(true);
      await redelivered.ack();
    });
  });
});
