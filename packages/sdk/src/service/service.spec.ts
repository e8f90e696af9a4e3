import { afterEach, describe, expect, it } from 'vitest';
import { WharfError } from '../errors/wharf-error.js';
import { messageId } from '../ids/message-id.js';
import { ATTEMPT_HEADER } from '../transport/naming.js';
import { InMemoryBroker } from '../transport/in-memory-broker.js';
import { InMemoryTransport } from '../transport/in-memory-transport.js';
import type { TransportMessage } from '../transport/transport.js';
import { CountOrders, deferred, nextDispatch, OrderLog, OrderPlaced, shop, ShipOrder, started, warehouse } from '../testing/fixtures.js';
import type { Service, ServiceState } from './service.js';

const running: Service[] = [];
async function start(...args: Parameters<typeof started>): Promise<Service> {
  const service = await started(...args);
  running.push(service);
  return service;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function raw(type: string, body: string | Buffer, headers: Record<string, string> = {}): TransportMessage {
  return { id: messageId(), kind: 'event', type, body: Buffer.from(body), headers, appId: 'test', timestamp: Date.now() };
}

describe('Service over the in-memory transport', () => {
  describe('when a handler succeeds', () => {
    it('handles an event another service published, once', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      const wh = await start(warehouse(log), broker);
      const producer = await start(shop, broker);
      const handled = nextDispatch(wh, (e) => e.outcome === 'handled');
      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 });
      const event = await handled;
      expect(event.attempt).toBe(1);
      expect(log.orders).toEqual(['o-1']);
    });

    it('keeps dispatching when an onDispatch listener throws', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      const wh = await start(warehouse(log), broker);
      const producer = await start(shop, broker);
      wh.onDispatch(() => {
        throw new Error('a broken observer');
      });
      const second = nextDispatch(wh, (e) => e.outcome === 'handled' && e.message.type === OrderPlaced.type && log.orders.length === 2);
      await producer.bus.publish(OrderPlaced, { orderId: 'o-a', total: 1 });
      await producer.bus.publish(OrderPlaced, { orderId: 'o-b', total: 2 });
      await second;
      expect(log.orders).toEqual(['o-a', 'o-b']);
    });

    it('answers a query with a typed, validated response', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      log.orders.push('a1', 'a2', 'b1');
      await start(warehouse(log), broker);
      const producer = await start(shop, broker);
      await expect(producer.bus.request(CountOrders, { prefix: 'a' })).resolves.toEqual({ count: 2 });
    });
  });

  describe('when a handler throws', () => {
    it('retries with backoff and succeeds on a later attempt', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      log.failuresLeft.set('o-2', 2);
      const wh = await start(warehouse(log), broker);
      const producer = await start(shop, broker);
      const retries: number[] = [];
      wh.onDispatch((e) => e.outcome === 'retrying' && retries.push(e.attempt));
      const handled = nextDispatch(wh, (e) => e.outcome === 'handled');
      await producer.bus.send(ShipOrder, { orderId: 'o-2' });
      expect((await handled).attempt).toBe(3);
      expect(retries).toEqual([1, 2]);
      expect(log.orders).toEqual(['o-2']);
    });

    it('dead-letters with the reason and attempt count once attempts are used up', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      log.failuresLeft.set('o-3', Infinity);
      const wh = await start(warehouse(log), broker);
      const producer = await start(shop, broker);
      const dead = nextDispatch(wh, (e) => e.outcome === 'dead-lettered');
      await producer.bus.publish(OrderPlaced, { orderId: 'o-3', total: 1 });
      expect((await dead).attempt).toBe(3);
      const [message] = broker.peek('warehouse.dlq');
      expect(message?.headers).toMatchObject({
        'x-wharf-error-code': 'HANDLER_FAILED',
        'x-wharf-error-message': 'order o-3 always fails',
        'x-wharf-attempts': '3',
        'x-wharf-service': 'warehouse',
        'x-wharf-handler': 'RecordOrder',
      });
      expect(JSON.parse(message?.body.toString() ?? '')).toEqual({ orderId: 'o-3', total: 1 });
    });

    it('dead-letters a non-retryable error at once', async () => {
      const broker = new InMemoryBroker();
      const wh = await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);
      const dead = nextDispatch(wh, (e) => e.outcome === 'dead-lettered');
      await producer.bus.send(ShipOrder, { orderId: 'fatal-1' });
      const event = await dead;
      expect(event.attempt).toBe(1);
      expect(event.error?.code).toBe('BAD_ORDER');
    });

    it('sends a query handler error back to the caller with its code', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);
      const error = await producer.bus.request(CountOrders, { prefix: 'boom' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'COUNT_FAILED', message: 'cannot count boom' });
    });
  });

  describe('when a message can never succeed', () => {
    it.each([
      ['not JSON', raw(OrderPlaced.type, '{oops'), 'MALFORMED_MESSAGE'],
      ['against its schema', raw(OrderPlaced.type, JSON.stringify({ orderId: '', total: -1 })), 'CONTRACT_VIOLATION'],
      ['of a type nobody handles here', raw('shop.order-cancelled.v1', '{}'), 'NO_HANDLER'],
      ['too large', raw(OrderPlaced.type, JSON.stringify({ orderId: 'x'.repeat(5_000), total: 1 })), 'MESSAGE_TOO_LARGE'],
    ])('dead-letters a message %s at once and handles the next one', async (_name, poison, code) => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      const wh = await start(warehouse(log), broker, { WHARF_MAX_MESSAGE_BYTES: '4096' });
      const dead = nextDispatch(wh, (e) => e.outcome === 'dead-lettered');
      broker.declare({ ...wh.topology, events: [...wh.topology.events, 'shop.order-cancelled.v1'] });
      broker.publish(poison);
      expect((await dead).error?.code).toBe(code);
      expect(broker.peek('warehouse.dlq')[0]?.headers['x-wharf-error-code']).toBe(code);

      const handled = nextDispatch(wh, (e) => e.outcome === 'handled');
      broker.publish(raw(OrderPlaced.type, JSON.stringify({ orderId: 'next', total: 1 })));
      await handled;
      expect(log.orders).toEqual(['next']);
      expect(wh.state).toBe('ready');
    });
  });

  describe('publishing', () => {
    it('refuses an invalid payload with CONTRACT_VIOLATION and sends nothing', async () => {
      const broker = new InMemoryBroker();
      const sent: string[] = [];
      broker.onPublish((m) => sent.push(m.type));
      const producer = await start(shop, broker);
      const error = await producer.bus.publish(OrderPlaced, { orderId: '', total: 1 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONTRACT_VIOLATION', data: { issues: [expect.objectContaining({ path: 'orderId' })] } });
      expect(sent).toEqual([]);
    });

    it('fails with UNROUTABLE when no queue is bound to the event', async () => {
      const producer = await start(shop, new InMemoryBroker());
      await expect(producer.bus.publish(OrderPlaced, { orderId: 'x', total: 1 })).rejects.toMatchObject({ code: 'UNROUTABLE' });
    });

    it('fails a request with REQUEST_TIMEOUT naming the query and its service when nobody answers', async () => {
      const broker = new InMemoryBroker();
      const wh = await start(warehouse(new OrderLog()), broker);
      await wh.stop();
      const producer = await start(shop, broker);
      const error = await producer.bus.request(CountOrders, { prefix: 'a' }, { timeoutMs: 50 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'REQUEST_TIMEOUT' });
      expect((error as WharfError).message).toBe('No reply to warehouse.count-orders.v1 from warehouse within 50 ms');
    });
  });

  describe('with several instances', () => {
    it('shares one queue between competing instances, each message handled once', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      const a = await start(warehouse(log), broker, { WHARF_PREFETCH: '2' });
      const b = await start(warehouse(log), broker, { WHARF_PREFETCH: '2' });
      const producer = await start(shop, broker);
      const counts = { a: 0, b: 0 };
      a.onDispatch((e) => e.outcome === 'handled' && (counts.a += 1));
      b.onDispatch((e) => e.outcome === 'handled' && (counts.b += 1));
      const all = new Promise<void>((resolve) => {
        const check = () => counts.a + counts.b === 200 && resolve();
        a.onDispatch(check);
        b.onDispatch(check);
      });
      for (let i = 0; i < 200; i += 1) await producer.bus.publish(OrderPlaced, { orderId: `o-${i}`, total: i });
      await all;
      expect(new Set(log.orders).size).toBe(200);
      expect(log.orders).toHaveLength(200);
      expect(counts.a).toBeGreaterThan(0);
      expect(counts.b).toBeGreaterThan(0);
    });
  });

  describe('idempotency', () => {
    it('does not run a handler again for a message it already handled', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      const wh = await start(warehouse(log), broker);
      const message = raw(OrderPlaced.type, JSON.stringify({ orderId: 'dup', total: 1 }), { [ATTEMPT_HEADER]: '1' });
      const first = nextDispatch(wh, (e) => e.outcome === 'handled');
      broker.publish(message);
      await first;
      const second = nextDispatch(wh, (e) => e.outcome === 'handled');
      broker.publish(message);
      await second;
      expect(log.orders).toEqual(['dup']);
    });
  });

  describe('lifecycle', () => {
    it('goes created → starting → ready → draining → stopped', async () => {
      const broker = new InMemoryBroker();
      const { createService } = await import('./service.js');
      const service = createService(warehouse(new OrderLog()), { transport: new InMemoryTransport(broker), env: { LOG_LEVEL: 'silent' } });
      const states: ServiceState[] = [service.state];
      service.onState((s) => states.push(s));
      await service.start();
      expect(service.health()).toMatchObject({ live: true, ready: true });
      await service.stop();
      expect(states).toEqual(['created', 'starting', 'ready', 'draining', 'stopped']);
      expect(service.health()).toMatchObject({ live: false, ready: false });
    });

    it('lets an in-flight handler finish on stop and leaves later messages in the queue', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      const gate = deferred();
      log.gate = gate.promise;
      const wh = await start(warehouse(log), broker, { WHARF_PREFETCH: '1' });
      const producer = await start(shop, broker);
      await producer.bus.publish(OrderPlaced, { orderId: 'slow', total: 1 });
      await producer.bus.publish(OrderPlaced, { orderId: 'waiting', total: 1 });
      await new Promise<void>((resolve) => {
        const poll = () => (wh.health().ready && broker.peek('warehouse').length === 1 ? resolve() : setImmediate(poll));
        poll();
      });
      const stopped = wh.stop();
      expect(wh.state).toBe('draining');
      gate.resolve();
      await stopped;
      expect(log.orders).toEqual(['slow']);
      expect(broker.peek('warehouse').map((m) => JSON.parse(m.body.toString()).orderId)).toEqual(['waiting']);

      log.gate = undefined;
      const next = await start(warehouse(log), broker);
      await nextDispatch(next, (e) => e.outcome === 'handled');
      expect(log.orders).toEqual(['slow', 'waiting']);
    });

    it('fails to start with CONFIG_INVALID naming the variable', async () => {
      const { createService } = await import('./service.js');
      expect(() => createService(shop, { env: { WHARF_PREFETCH: 'lots' } })).toThrow(
        'WHARF_PREFETCH="lots" is invalid: expected a whole number from 1 to 10000',
      );
    });
  });
});

describe('two copies of one message at once', () => {
  it('runs the handler once', async () => {
    const broker = new InMemoryBroker();
    const log = new OrderLog();
    const gate = deferred();
    log.gate = gate.promise;
    const wh = await start(warehouse(log), broker, { WHARF_PREFETCH: '4' });
    running.push(wh);
    const message = raw(OrderPlaced.type, JSON.stringify({ orderId: 'twin', total: 1 }));
    const entered = new Promise<void>((resolve) => (log.entered = resolve));
    broker.publish(message);
    broker.publish(message);
    await entered;
    const both = new Promise<void>((resolve) => {
      let handled = 0;
      wh.onDispatch((e) => e.outcome === 'handled' && (handled += 1) === 2 && resolve());
    });
    gate.resolve();
    await both;
    expect(log.orders).toEqual(['twin']);
  });
});
