import { context, createContextKey, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MessageBus } from '../bus/message-bus.js';
import { WharfError } from '../errors/wharf-error.js';
import { messageId } from '../ids/message-id.js';
import { InMemoryInbox, type Inbox } from '../inbox/inbox.js';
import { createLogger } from '../logging/logger.js';
import { CountOrders, deferred, OrderPlaced } from '../testing/fixtures.js';
import { MessagingTelemetry } from '../tracing/messaging-telemetry.js';
import { SETTLED, type Delivery, type Transport, type TransportMessage } from '../transport/transport.js';
import { Dispatcher, type DispatchEvent, type Route } from './dispatcher.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';

/** A delivery that records how it was settled; `ack` fails when told to (a channel that closed meanwhile). */
function aDelivery(body: unknown, options: { id?: string; ackFails?: boolean; query?: boolean } = {}) {
  const settled: string[] = [];
  const delivery: Delivery = {
    message: {
      id: options.id ?? messageId(),
      kind: options.query ? 'query' : 'event',
      type: options.query ? CountOrders.type : OrderPlaced.type,
      body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      headers: {},
      appId: 'shop',
      timestamp: Date.now(),
      ...(options.query ? { correlationId: 'c-1', replyTo: 'reply-address' } : {}),
    },
    redelivered: false,
    ack: async () => {
      if (options.ackFails) throw new WharfError('TRANSPORT_UNAVAILABLE', 'the channel closed');
      settled.push('ack');
    },
    release: async () => void settled.push('release'),
    retry: async () => void settled.push('retry'),
    deadLetter: async (headers) => void settled.push(`dead-letter ${headers['x-wharf-error-code']}`),
  };
  return { delivery, settled };
}

/** An inbox of the app's own, answering through promises like a database would (the dispatcher's general path). */
class AsyncInbox implements Inbox {
  readonly #memory = new InMemoryInbox();
  async has(handler: string, messageId: string): Promise<boolean> {
    return this.#memory.has(handler, messageId);
  }
  async add(handler: string, messageId: string): Promise<void> {
    this.#memory.add(handler, messageId);
  }
}

let makeInbox: () => Inbox = () => new InMemoryInbox();

/** What a test dispatcher uses besides its handler: by default no transport, OrderPlaced and no OTel SDK. */
interface DispatcherParts {
  readonly transport?: Transport;
  readonly contract?: typeof OrderPlaced | typeof CountOrders;
  readonly telemetry?: MessagingTelemetry;
}

/** A dispatcher with one handler for OrderPlaced (or the CountOrders query), and the events it reports. */
function aDispatcher(handle: (payload: unknown) => unknown, parts: DispatcherParts = {}) {
  const { transport = {} as Transport, contract = OrderPlaced, telemetry = new MessagingTelemetry('warehouse', 'test', 'child') } = parts;
  const events: DispatchEvent[] = [];
  const route: Route = { contract, name: contract === OrderPlaced ? 'RecordOrder' : 'Count', policy: DEFAULT_RETRY_POLICY, handle };
  const dispatcher = new Dispatcher(
    {
      service: { name: 'warehouse', instanceId: 'w-1' },
      queue: 'warehouse',
      transport,
      bus: {} as MessageBus,
      inbox: makeInbox(),
      logger: createLogger({ service: 'warehouse', level: 'silent' }),
      telemetry,
      maxMessageBytes: 1_000_000,
      publishTimeoutMs: 1_000,
      observe: (event) => events.push(event),
    },
    new Map([[contract.type, [route]]]),
  );
  return { dispatcher, events };
}

const order = { orderId: 'o-1', total: 10 };

// The in-memory inbox takes the synchronous path; an inbox answering with promises takes the general one.
describe.each([
  ['the in-memory inbox', () => new InMemoryInbox()],
  ['an inbox answering with promises', () => new AsyncInbox()],
] as const)('Dispatcher with %s', (_name, inbox) => {
  beforeEach(() => {
    makeInbox = inbox;
  });

  it('reports a delivery it could not settle as released, and goes on with the next one', async () => {
    const handled: unknown[] = [];
    const { dispatcher, events } = aDispatcher((payload) => void handled.push(payload));
    const failing = aDelivery(order, { ackFails: true });
    await expect(dispatcher.onDelivery(failing.delivery)).resolves.toBeUndefined();
    const next = aDelivery({ orderId: 'o-2', total: 3 });
    await dispatcher.onDelivery(next.delivery);
    expect(events.map((e) => [e.outcome, e.error?.code])).toEqual([
      ['released', 'TRANSPORT_UNAVAILABLE'],
      ['handled', undefined],
    ]);
    expect(next.settled).toEqual(['ack']);
    expect(dispatcher.inFlight).toBe(0);
  });

  it('runs a second copy of a message in flight after the first, and then only acks it', async () => {
    const gate = deferred();
    const calls: unknown[] = [];
    const { dispatcher } = aDispatcher(async (payload) => {
      calls.push(payload);
      await gate.promise;
    });
    const id = messageId();
    const first = aDelivery(order, { id });
    const second = aDelivery(order, { id });
    const both = Promise.all([dispatcher.onDelivery(first.delivery), dispatcher.onDelivery(second.delivery)]);
    expect(dispatcher.inFlight).toBe(2);
    gate.resolve();
    await both;
    expect(calls).toHaveLength(1);
    expect([first.settled, second.settled]).toEqual([['ack'], ['ack']]);
  });

  it('dead-letters a body that is not JSON without calling the handler', async () => {
    const calls: unknown[] = [];
    const { dispatcher, events } = aDispatcher((payload) => void calls.push(payload));
    const bad = aDelivery('{not json');
    await dispatcher.onDelivery(bad.delivery);
    expect(bad.settled).toEqual(['dead-letter MALFORMED_MESSAGE']);
    expect(events.map((e) => e.outcome)).toEqual(['dead-lettered']);
    expect(calls).toEqual([]);
  });

  it('retries a handler that throws, and dead-letters one that fails for good', async () => {
    const { dispatcher, events } = aDispatcher((payload) => {
      if ((payload as { orderId: string }).orderId === 'fatal') throw new WharfError('HANDLER_FAILED', 'never', { retryable: false });
      throw new Error('not yet');
    });
    const flaky = aDelivery(order);
    const fatal = aDelivery({ orderId: 'fatal', total: 1 });
    await dispatcher.onDelivery(flaky.delivery);
    await dispatcher.onDelivery(fatal.delivery);
    expect([flaky.settled, fatal.settled]).toEqual([['retry'], ['dead-letter HANDLER_FAILED']]);
    expect(events.map((e) => e.outcome)).toEqual(['retrying', 'dead-lettered']);
    expect(dispatcher.inFlight).toBe(0);
  });

  it('acks a message its handler already handled without calling it again', async () => {
    const calls: unknown[] = [];
    const { dispatcher } = aDispatcher(async (payload) => void calls.push(payload));
    const id = messageId();
    const first = aDelivery(order, { id });
    await dispatcher.onDelivery(first.delivery);
    const again = aDelivery(order, { id });
    await dispatcher.onDelivery(again.delivery);
    expect(calls).toHaveLength(1);
    expect(again.settled).toEqual(['ack']);
  });

  it('drains: waits for running handlers, then releases what arrives', async () => {
    const gate = deferred();
    const { dispatcher } = aDispatcher(() => gate.promise);
    const running = aDelivery(order);
    const work = dispatcher.onDelivery(running.delivery);
    const drained = dispatcher.drain(5_000);
    const late = aDelivery({ orderId: 'o-3', total: 1 });
    await dispatcher.onDelivery(late.delivery);
    expect(late.settled).toEqual(['release']);
    gate.resolve();
    await expect(drained).resolves.toBe(true);
    await work;
    expect(running.settled).toEqual(['ack']);
  });

  it('gives up draining after its timeout while a handler still runs', async () => {
    const { dispatcher } = aDispatcher(() => new Promise(() => undefined));
    void dispatcher.onDelivery(aDelivery(order).delivery);
    await expect(dispatcher.drain(20)).resolves.toBe(false);
    expect(dispatcher.inFlight).toBe(1);
  });
});

describe('Dispatcher on its common path', () => {
  it('runs a traced delivery in its span\'s context and still acks it before onDelivery returns', () => {
    makeInbox = () => new InMemoryInbox();
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const key = createContextKey('test span');
      const spanContext = ROOT_CONTEXT.setValue(key, 'the consumer span');
      let ended = 0;
      // A telemetry that records (as with an OTel SDK): the dispatcher must run the handler inside its context.
      const telemetry = {
        startConsume: () => ({ span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT), context: spanContext, started: 0, attributes: {} }),
        endConsume: () => void (ended += 1),
      } as unknown as MessagingTelemetry;
      const seen: unknown[] = [];
      const { dispatcher, events } = aDispatcher(() => void seen.push(context.active().getValue(key)), { telemetry });
      const sync = aDelivery(order);
      void dispatcher.onDelivery({ ...sync.delivery, ack: () => (sync.settled.push('ack'), SETTLED) });
      expect(seen).toEqual(['the consumer span']);
      expect(sync.settled).toEqual(['ack']);
      expect(events.map((e) => e.outcome)).toEqual(['handled']);
      expect(ended).toBe(1);
    } finally {
      context.disable();
    }
  });

  it('acks a delivery a synchronous handler took, before onDelivery returns', () => {
    makeInbox = () => new InMemoryInbox();
    const { dispatcher, events } = aDispatcher(() => undefined);
    const sync = aDelivery(order);
    // A transport that settles at once says so with SETTLED, as the AMQP one does.
    const delivery: Delivery = { ...sync.delivery, ack: () => (sync.settled.push('ack'), SETTLED) };
    void dispatcher.onDelivery(delivery);
    // No await: one handler, a synchronous schema, the in-memory inbox and nothing tracing take no tick.
    expect(sync.settled).toEqual(['ack']);
    expect(events.map((e) => e.outcome)).toEqual(['handled']);
    expect(dispatcher.inFlight).toBe(0);
  });
});

describe('Dispatcher answering a query', () => {
  /** A dispatcher for CountOrders whose transport records the replies it is given to send. */
  function aResponder(handle: (request: unknown) => unknown, send: () => Promise<void> = () => SETTLED) {
    const replies: TransportMessage[] = [];
    const transport = { publish: (reply: TransportMessage) => (replies.push(reply), send()) } as unknown as Transport;
    return { ...aDispatcher(handle, { transport, contract: CountOrders }), replies };
  }
  const bodyOf = (reply: TransportMessage | undefined): unknown => JSON.parse(reply?.body.toString('utf8') ?? 'null');

  it('replies with the validated response and acks, before onDelivery returns when all of it happens at once', () => {
    const { dispatcher, events, replies } = aResponder(() => ({ count: 2 }));
    const request = aDelivery({ prefix: 'a' }, { query: true });
    void dispatcher.onDelivery({ ...request.delivery, ack: () => (request.settled.push('ack'), SETTLED) });
    expect(bodyOf(replies[0])).toEqual({ ok: true, data: { count: 2 } });
    expect(replies[0]).toMatchObject({ kind: 'reply', correlationId: 'c-1', replyTo: 'reply-address', type: CountOrders.type });
    expect(request.settled).toEqual(['ack']);
    expect(events.map((e) => [e.outcome, e.handler])).toEqual([['handled', 'Count']]);
    expect(dispatcher.inFlight).toBe(0);
  });

  it("replies with the error a handler raised, its code included, and acks the request", async () => {
    const { dispatcher, replies } = aResponder(async () => {
      throw new WharfError('COUNT_FAILED', 'cannot count', { retryable: false });
    });
    const request = aDelivery({ prefix: 'a' }, { query: true });
    await dispatcher.onDelivery(request.delivery);
    expect(bodyOf(replies[0])).toEqual({ ok: false, error: { code: 'COUNT_FAILED', message: 'cannot count', retryable: false } });
    expect(request.settled).toEqual(['ack']);
  });

  it('replies CONTRACT_VIOLATION when the response does not match its schema', async () => {
    const { dispatcher, replies } = aResponder(async () => ({ count: 'many' }));
    const request = aDelivery({ prefix: 'a' }, { query: true });
    await dispatcher.onDelivery(request.delivery);
    expect(bodyOf(replies[0])).toMatchObject({ ok: false, error: { code: 'CONTRACT_VIOLATION' } });
    expect(request.settled).toEqual(['ack']);
  });

  it('acks the request when its reply cannot be sent', async () => {
    const { dispatcher, events } = aResponder(
      () => ({ count: 1 }),
      () => Promise.reject(new WharfError('TRANSPORT_UNAVAILABLE', 'no channel')),
    );
    const request = aDelivery({ prefix: 'a' }, { query: true });
    await dispatcher.onDelivery(request.delivery);
    expect(request.settled).toEqual(['ack']);
    expect(events.map((e) => e.outcome)).toEqual(['handled']);
  });

  it('dead-letters a request that does not match its schema, without calling the handler or replying', async () => {
    let calls = 0;
    const { dispatcher, replies } = aResponder(() => ((calls += 1), { count: 0 }));
    const request = aDelivery({ prefix: 7 }, { query: true });
    await dispatcher.onDelivery(request.delivery);
    expect(request.settled).toEqual(['dead-letter CONTRACT_VIOLATION']);
    expect(calls).toBe(0);
    expect(replies).toEqual([]);
  });

  it('reports a request whose ack failed as released, and is idle afterwards', async () => {
    const { dispatcher, events } = aResponder(() => ({ count: 1 }));
    await dispatcher.onDelivery(aDelivery({ prefix: 'a' }, { query: true, ackFails: true }).delivery);
    expect(events.map((e) => [e.outcome, e.error?.code])).toEqual([['released', 'TRANSPORT_UNAVAILABLE']]);
    expect(dispatcher.inFlight).toBe(0);
  });
});
