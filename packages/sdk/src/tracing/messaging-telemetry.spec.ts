import { setImmediate as nextTurn } from 'node:timers/promises';
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
// The SDK's code may use the OTel API only; its specs use a real OTel SDK (a root devDependency) to see what
// those API calls record, which the boundary rule allows in spec files.
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WharfError } from '../errors/wharf-error.js';
import { on } from '../handlers/handler.js';
import type { MessageContext } from '../handlers/message-context.js';
import { messageId } from '../ids/message-id.js';
import { createLogger } from '../logging/logger.js';
import { defineService, type ServiceDefinition } from '../service/define-service.js';
import { createService, type Service } from '../service/service.js';
import { CountOrders, nextDispatch, OrderLog, OrderPlaced, shop, ShipOrder, warehouse } from '../testing/fixtures.js';
import { InMemoryBroker } from '../transport/in-memory-broker.js';
import { InMemoryTransport } from '../transport/in-memory-transport.js';
import type { TransportMessage } from '../transport/transport.js';

/** A reader the test pulls from: `collect()` returns what the instruments recorded so far. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let reader: PullReader;

const running: Service[] = [];
async function start(definition: ServiceDefinition, broker: InMemoryBroker, options: Parameters<typeof createService>[1] = {}) {
  const service = createService(definition, { transport: new InMemoryTransport(broker), env: { LOG_LEVEL: 'silent' }, ...options });
  running.push(service);
  await service.start();
  return service;
}

/** Polls the finished spans until `check` holds for them, failing with `what` after `timeoutMs`. */
async function spansWhen(what: string, check: (spans: ReadableSpan[]) => boolean, timeoutMs = 5_000): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const finished = exporter.getFinishedSpans();
    if (check(finished)) return finished;
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}; finished: ${finished.map((s) => s.name).join(', ') || 'none'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const named = (spans: ReadableSpan[], name: string, service?: string) =>
  spans.filter((s) => s.name === name && (service === undefined || s.attributes['wharf.service'] === service));

/** Waits for exactly one span per `[name, service]` and returns them in that order. */
async function oneEach<const W extends readonly (readonly [name: string, service: string])[]>(
  ...wanted: W
): Promise<{ -readonly [K in keyof W]: ReadableSpan }> {
  const spans = await spansWhen(wanted.map(([n, s]) => `${n} (${s})`).join(', '), (all) =>
    wanted.every(([name, service]) => named(all, name, service).length === 1),
  );
  return wanted.map(([name, service]) => named(spans, name, service)[0]) as { -readonly [K in keyof W]: ReadableSpan };
}

const ids = (span: ReadableSpan) => span.spanContext();

/** The value of a counter (or the count of a histogram) over the data points whose attributes include `where`. */
async function measured(name: string, where: Attributes): Promise<number> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name) as MetricData | undefined;
  if (!metric) return 0;
  let total = 0;
  for (const point of metric.dataPoints) {
    const matches = Object.entries(where).every(([key, value]) => point.attributes[key] === value);
    if (!matches) continue;
    total += metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as { count: number }).count : (point.value as number);
  }
  return total;
}

/** Publishes every message it gets to `ctx.bus` as a command: an event handler that sends a command on. */
class ShipWhenPaid {
  async handle(order: { orderId: string }, ctx: MessageContext): Promise<void> {
    // The span's context must survive the handler's own awaits, here across a turn of the event loop.
    await nextTurn();
    ctx.logger.info({ orderId: order.orderId }, 'order paid; shipping it');
    await ctx.bus.send(ShipOrder, { orderId: order.orderId });
  }
}
const billing = defineService({ name: 'billing', handlers: [on(OrderPlaced, ShipWhenPaid)] });

describe('MessagingTelemetry with the OpenTelemetry SDK', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
  });

  beforeEach(() => {
    // Services create their instruments when they are created: the provider must be there first.
    reader = new PullReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
    exporter.reset();
    metrics.disable();
  });

  afterAll(async () => {
    await tracerProvider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  describe('when an event is published', () => {
    it('records the consumer span as a child of the producer span, in one trace, with a link to it', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);
      const sent: TransportMessage[] = [];
      broker.onPublish((message) => sent.push(message));

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 });
      const [publish, process] = await oneEach(
        ['publish shop.order-placed.v1', 'shop'],
        ['process shop.order-placed.v1', 'warehouse'],
      );

      expect(publish.kind).toBe(SpanKind.PRODUCER);
      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(publish.parentSpanContext).toBeUndefined();
      expect(ids(process).traceId).toBe(ids(publish).traceId);
      expect(process.parentSpanContext?.spanId).toBe(ids(publish).spanId);
      expect(process.links.map((l) => l.context.spanId)).toEqual([ids(publish).spanId]);
      // What crossed the "wire" is the W3C header of the producer span.
      expect(sent[0]?.headers['traceparent']).toBe(`00-${ids(publish).traceId}-${ids(publish).spanId}-01`);
    });

    it('sets the messaging attributes on both spans', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);
      const id = messageId();

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 }, { messageId: id, correlationId: 'conv-1' });
      const [publish, process] = await oneEach(
        ['publish shop.order-placed.v1', 'shop'],
        ['process shop.order-placed.v1', 'warehouse'],
      );

      expect(publish.attributes).toEqual({
        'messaging.system': 'wharf-memory',
        'messaging.operation.name': 'publish',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'wharf.events',
        'messaging.rabbitmq.destination.routing_key': 'shop.order-placed.v1',
        'messaging.message.id': id,
        'messaging.message.body.size': expect.any(Number),
        'messaging.message.conversation_id': 'conv-1',
        'wharf.service': 'shop',
      });
      expect(process.attributes).toEqual({
        'messaging.system': 'wharf-memory',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'warehouse',
        'messaging.consumer.group.name': 'warehouse',
        'messaging.rabbitmq.destination.routing_key': 'shop.order-placed.v1',
        'messaging.message.id': id,
        'messaging.message.body.size': publish.attributes['messaging.message.body.size'],
        'messaging.message.conversation_id': 'conv-1',
        'wharf.service': 'warehouse',
        'wharf.message.attempt': 1,
      });
      expect(process.status.code).toBe(SpanStatusCode.UNSET);
    });
  });

  describe('when the consumer is configured with consumerParent: link', () => {
    it('starts a new trace for the consumer span, linked to the producer span', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog(), { consumerParent: 'link' }), broker);
      const producer = await start(shop, broker);

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 });
      const [publish, process] = await oneEach(
        ['publish shop.order-placed.v1', 'shop'],
        ['process shop.order-placed.v1', 'warehouse'],
      );

      expect(process.parentSpanContext).toBeUndefined();
      expect(ids(process).traceId).not.toBe(ids(publish).traceId);
      expect(process.links.map((l) => l.context)).toEqual([
        expect.objectContaining({ traceId: ids(publish).traceId, spanId: ids(publish).spanId }),
      ]);
    });
  });

  describe('when a handler sends a command through ctx.bus', () => {
    it('continues the trace: the command is a grandchild of the event, in the same conversation', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      await start(billing, broker);
      const producer = await start(shop, broker);
      const id = messageId();

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 }, { messageId: id });
      const [publishEvent, processEvent, sendCommand, processCommand] = await oneEach(
        ['publish shop.order-placed.v1', 'shop'],
        ['process shop.order-placed.v1', 'billing'],
        ['publish warehouse.ship-order.v1', 'billing'],
        ['process warehouse.ship-order.v1', 'warehouse'],
      );

      const chain = [publishEvent, processEvent, sendCommand, processCommand];
      expect(new Set(chain.map((s) => ids(s).traceId)).size).toBe(1);
      expect(chain.map((s) => s.parentSpanContext?.spanId)).toEqual([undefined, ...chain.slice(0, 3).map((s) => ids(s).spanId)]);
      expect(sendCommand.attributes).toMatchObject({
        'messaging.operation.name': 'send',
        'messaging.destination.name': 'wharf.commands',
        'messaging.message.conversation_id': id,
      });
      expect(processCommand.attributes).toMatchObject({ 'messaging.message.conversation_id': id, 'wharf.message.attempt': 1 });
    });
  });

  describe('when a query is requested', () => {
    it('records a request producer span whose answer is its child, in the conversation of the request', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);

      await expect(producer.bus.request(CountOrders, { prefix: 'a' })).resolves.toEqual({ count: 0 });
      const [request, answer] = await oneEach(
        ['publish warehouse.count-orders.v1', 'shop'],
        ['process warehouse.count-orders.v1', 'warehouse'],
      );

      expect(request.attributes['messaging.operation.name']).toBe('request');
      expect(answer.parentSpanContext?.spanId).toBe(ids(request).spanId);
      // The request's id becomes the conversation id of the round trip.
      expect(answer.attributes['messaging.message.conversation_id']).toBe(request.attributes['messaging.message.id']);
    });
  });

  describe('when a handler fails', () => {
    it('records one consumer span per attempt, failed ones with ERROR status, error.type and the exception', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      log.failuresLeft.set('o-2', 2);
      await start(warehouse(log), broker);
      const producer = await start(shop, broker);

      await producer.bus.send(ShipOrder, { orderId: 'o-2' });
      const spans = await spansWhen('three attempts', (all) => named(all, 'process warehouse.ship-order.v1').length === 3);
      const [send] = named(spans, 'publish warehouse.ship-order.v1') as [ReadableSpan];
      const attempts = named(spans, 'process warehouse.ship-order.v1').sort(
        (a, b) => Number(a.attributes['wharf.message.attempt']) - Number(b.attributes['wharf.message.attempt']),
      );

      expect(attempts.map((s) => s.attributes['wharf.message.attempt'])).toEqual([1, 2, 3]);
      expect(attempts.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
      expect(attempts.map((s) => s.attributes['error.type'])).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED', undefined]);
      expect(attempts[0]?.status.message).toBe('order o-2 failed at attempt 1');
      expect(attempts[0]?.events.map((e) => e.name)).toEqual(['exception']);
      // Every attempt continues the producer's trace: retries keep the message's trace context.
      for (const attempt of attempts) expect(attempt.parentSpanContext?.spanId).toBe(ids(send).spanId);
    });

    it('sets error.type to the code of a WharfError', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);

      await producer.bus.send(ShipOrder, { orderId: 'fatal-1' });
      const [process] = await oneEach(['process warehouse.ship-order.v1', 'warehouse']);

      expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'cannot ever ship' });
      expect(process.attributes['error.type']).toBe('BAD_ORDER');
    });
  });

  describe('metrics', () => {
    it('counts messages sent and consumed, and records processing durations, by service and type', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 1 });
      await producer.bus.publish(OrderPlaced, { orderId: 'o-2', total: 2 });
      await producer.bus.send(ShipOrder, { orderId: 'o-3' });
      await spansWhen('three processed', (all) => all.filter((s) => s.kind === SpanKind.CONSUMER).length === 3);

      const placed = { 'wharf.message.type': 'shop.order-placed.v1' };
      const ship = { 'wharf.message.type': 'warehouse.ship-order.v1' };
      const sent = 'messaging.client.sent.messages';
      expect(await measured(sent, { ...placed, 'wharf.service': 'shop', 'messaging.operation.name': 'publish' })).toBe(2);
      expect(await measured(sent, { ...ship, 'wharf.service': 'shop', 'messaging.operation.name': 'send' })).toBe(1);
      const consumed = 'messaging.client.consumed.messages';
      expect(await measured(consumed, { ...placed, 'wharf.service': 'warehouse', 'messaging.destination.name': 'warehouse' })).toBe(2);
      expect(await measured(consumed, { ...ship, 'wharf.service': 'warehouse' })).toBe(1);
      expect(await measured('messaging.process.duration', { ...placed, 'wharf.service': 'warehouse' })).toBe(2);
      expect(await measured('messaging.process.duration', ship)).toBe(1);
    });

    it('counts retried and dead-lettered messages with the error type', async () => {
      const broker = new InMemoryBroker();
      const log = new OrderLog();
      log.failuresLeft.set('o-retry', 1);
      log.failuresLeft.set('o-dead', Infinity);
      const wh = await start(warehouse(log), broker);
      const producer = await start(shop, broker);
      const handled = nextDispatch(wh, (e) => e.outcome === 'handled');
      const dead = nextDispatch(wh, (e) => e.outcome === 'dead-lettered');

      await producer.bus.send(ShipOrder, { orderId: 'o-retry' });
      await producer.bus.publish(OrderPlaced, { orderId: 'o-dead', total: 1 });
      await Promise.all([handled, dead]);

      const placed = { 'wharf.service': 'warehouse', 'wharf.message.type': 'shop.order-placed.v1' };
      const ship = { 'wharf.service': 'warehouse', 'wharf.message.type': 'warehouse.ship-order.v1' };
      const retried = 'wharf.messaging.retried.messages';
      const deadLettered = 'wharf.messaging.dead_lettered.messages';
      expect(await measured(retried, { ...ship, 'error.type': 'HANDLER_FAILED' })).toBe(1);
      expect(await measured(retried, { ...placed, 'error.type': 'HANDLER_FAILED' })).toBe(2);
      expect(await measured(deadLettered, ship)).toBe(0);
      expect(await measured(deadLettered, { ...placed, 'error.type': 'HANDLER_FAILED' })).toBe(1);
      expect(await measured('messaging.client.consumed.messages', placed)).toBe(3);
    });
  });

  describe('log correlation', () => {
    it('writes the trace_id and span_id of the consumer span on lines logged through ctx.logger', async () => {
      const broker = new InMemoryBroker();
      const lines: Record<string, unknown>[] = [];
      const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
      await start(warehouse(new OrderLog()), broker);
      await start(billing, broker, { logger: createLogger({ service: 'billing', destination }) });
      const producer = await start(shop, broker);

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 });
      const [process] = await oneEach(['process shop.order-placed.v1', 'billing']);

      const line = lines.find((l) => l['msg'] === 'order paid; shipping it');
      expect(line).toMatchObject({ service: 'billing', trace_id: ids(process).traceId, span_id: ids(process).spanId });
      // Outside a handler there is no trace to join.
      expect(lines.find((l) => l['msg'] === 'service ready')).not.toHaveProperty('trace_id');
    });
  });

  describe('when a message carries no trace context', () => {
    it('starts a new trace for its consumer span, even when delivered while another span is active', async () => {
      const broker = new InMemoryBroker();
      await start(warehouse(new OrderLog()), broker);
      const producer = await start(shop, broker);
      const body = Buffer.from(JSON.stringify({ orderId: 'o-1', total: 1 }));
      const untraced: TransportMessage = {
        id: messageId(),
        kind: 'event',
        type: 'shop.order-placed.v1',
        body,
        headers: {},
        appId: 'legacy',
        timestamp: Date.now(),
      };

      // Lets the deliveries the broker has scheduled run: the next one is then scheduled by this publish, inside
      // whatever context the publisher had (asynchronous context follows setImmediate).
      await new Promise((resolve) => setImmediate(resolve));
      const unrelated = trace.getTracer('test').startSpan('unrelated');
      await context.with(trace.setSpan(context.active(), unrelated), () => producer.transport.publish(untraced, { timeoutMs: 1_000 }));
      unrelated.end();
      const [process] = await oneEach(['process shop.order-placed.v1', 'warehouse']);

      expect(process.parentSpanContext).toBeUndefined();
      expect(ids(process).traceId).not.toBe(unrelated.spanContext().traceId);
      expect(process.links).toEqual([]);
    });
  });
});

describe('MessagingTelemetry without an OpenTelemetry SDK', () => {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  it('adds no trace headers, records nothing and still delivers', async () => {
    const broker = new InMemoryBroker();
    const log = new OrderLog();
    const wh = await start(warehouse(log), broker);
    const producer = await start(shop, broker);
    const sent: TransportMessage[] = [];
    broker.onPublish((message) => sent.push(message));
    // With no SDK every span is the API's non-recording span; the telemetry must not build attributes for it.
    const nonRecording = Object.getPrototypeOf(trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })) as {
      setAttributes: () => unknown;
      setAttribute: () => unknown;
    };
    const setAttributes = vi.spyOn(nonRecording, 'setAttributes');
    const setAttribute = vi.spyOn(nonRecording, 'setAttribute');

    const handled = nextDispatch(wh, (e) => e.outcome === 'handled');
    await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 });
    await handled;
    const failed = nextDispatch(wh, (e) => e.outcome === 'dead-lettered');
    await producer.bus.send(ShipOrder, { orderId: 'fatal-1' });
    await failed;

    expect(log.orders).toEqual(['o-1']);
    expect(sent.map((m) => Object.keys(m.headers))).toEqual([[], []]);
    expect(setAttributes).not.toHaveBeenCalled();
    expect(setAttribute).not.toHaveBeenCalled();
    expect(exporter.getFinishedSpans()).toEqual([]);
    // The spies do see what the API's tracer hands out now, so the assertions above are not vacuous.
    trace.getTracer('probe').startSpan('probe').setAttributes({ probe: true });
    expect(setAttributes).toHaveBeenCalledOnce();
    setAttributes.mockRestore();
    setAttribute.mockRestore();
  });

  it('writes no trace ids on log lines, even when another library has registered a context manager', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const broker = new InMemoryBroker();
      const lines: Record<string, unknown>[] = [];
      const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
      await start(warehouse(new OrderLog()), broker);
      const wh = await start(billing, broker, { logger: createLogger({ service: 'billing', destination }) });
      const producer = await start(shop, broker);
      const handled = nextDispatch(wh, (e) => e.outcome === 'handled');

      await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 10 });
      await handled;

      const line = lines.find((l) => l['msg'] === 'order paid; shipping it');
      expect(line).toMatchObject({ service: 'billing', orderId: 'o-1' });
      expect(line).not.toHaveProperty('trace_id');
      expect(line).not.toHaveProperty('span_id');
    } finally {
      context.disable();
    }
  });

  it('fails a publish the same way as with an SDK', async () => {
    const broker = new InMemoryBroker();
    const producer = await start(shop, broker);
    const error = await producer.bus.publish(OrderPlaced, { orderId: 'o-1', total: 1 }).catch((e: unknown) => e);
    expect(WharfError.is(error) && error.code).toBe('UNROUTABLE');
  });
});
