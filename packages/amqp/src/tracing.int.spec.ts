import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  answer,
  createService,
  defineCommand,
  defineEvent,
  defineQuery,
  defineService,
  on,
  type MessageContext,
  type Service,
  type ServiceDefinition,
  type StandardSchemaV1,
} from '@wharf/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from './index.js';
import { createTestVhost, type TestVhost } from './testing/test-broker.js';
import { until } from './testing/wait.js';

// What these tests prove is that the trace context crosses RabbitMQ in the message headers: a chat → feed flow
// over AmqpTransport makes one trace, as it does in-process. Validation is not under test, so schemas accept all.
function shape<T>(): StandardSchemaV1<T> {
  return { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value: value as T }) } };
}
type Posted = { room: string; text: string };
const MessagePosted = defineEvent({ name: 'chat.message-posted', version: 1, schema: shape<Posted>() });
const NotifyRoom = defineCommand({ name: 'notify.room', version: 1, schema: shape<Posted>() });
const GetFeed = defineQuery({ name: 'feed.get', version: 1, request: shape<{ room: string }>(), response: shape<{ texts: string[] }>() });

const texts: string[] = [];
const failOnce = new Set<string>();
class AppendToFeed {
  async handle(message: Posted, ctx: MessageContext): Promise<void> {
    if (failOnce.delete(message.text)) throw new Error(`${message.text} failed once`);
    texts.push(message.text);
    await ctx.bus.send(NotifyRoom, message);
  }
}
class AnswerFeed {
  handle(): { texts: string[] } {
    return { texts };
  }
}
const notified: string[] = [];
class Notify {
  handle(message: Posted): void {
    notified.push(message.text);
  }
}
const chat = defineService({ name: 'chat' });
const feed = defineService({
  name: 'feed',
  handlers: [on(MessagePosted, AppendToFeed), answer(GetFeed, AnswerFeed)],
  retry: { initialDelayMs: 50, maxDelayMs: 50, maxAttempts: 3, jitter: 0 },
});
const notify = defineService({ name: 'notify', handlers: [on(NotifyRoom, Notify)] });

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let vhost: TestVhost;
const running: Service[] = [];
const services: Record<string, Service> = {};

async function start(definition: ServiceDefinition): Promise<Service> {
  const service = createService(definition, {
    transport: new AmqpTransport({ urls: [vhost.url], service: definition.name }),
    env: { LOG_LEVEL: 'silent' },
  });
  running.push(service);
  await service.start();
  return service;
}

/**
 * Waits until `count` (1) spans of each `[name, service]` have ended and returns them, by attempt. An HTTP server
 * span carries no `wharf.service`: `service` undefined matches any.
 */
async function spans(...wanted: (readonly [name: string, service?: string, count?: number])[]): Promise<ReadableSpan[][]> {
  const of = (name: string, service: string | undefined) =>
    exporter
      .getFinishedSpans()
      .filter((s) => s.name === name && (service === undefined || s.attributes['wharf.service'] === service));
  await until(
    `spans ${wanted.map(([n, s]) => `${n} (${s})`).join(', ')}`,
    () => wanted.every(([name, service, count = 1]) => of(name, service).length === count),
  );
  return wanted.map(([name, service]) =>
    of(name, service).sort((a, b) => Number(a.attributes['wharf.message.attempt'] ?? 0) - Number(b.attributes['wharf.message.attempt'] ?? 0)),
  );
}

/** Runs `handle` as chat's HTTP layer does: in a SERVER span continuing the caller's `traceparent`, if any. */
async function asHttpRequest<T>(name: string, headers: Record<string, string>, handle: () => Promise<T>): Promise<T> {
  const caller = propagation.extract(context.active(), headers);
  const span = trace.getTracer('test').startSpan(name, { kind: SpanKind.SERVER }, caller);
  try {
    return await context.with(trace.setSpan(caller, span), handle);
  } finally {
    span.end();
  }
}

const only = (found: ReadableSpan[] | undefined) => found?.[0] as ReadableSpan;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

// An upstream caller's trace context, as a browser or gateway would send it to chat.
const upstream = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
const upstreamHeaders = { traceparent: `00-${upstream.traceId}-${upstream.spanId}-01`, tracestate: 'gateway=edge-1' };

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  vhost = await createTestVhost('tracing');
  // feed and notify first, so their queues are bound before chat publishes.
  services['notify'] = await start(notify);
  services['feed'] = await start(feed);
  services['chat'] = await start(chat);
});

afterEach(() => {
  exporter.reset();
  texts.length = 0;
  notified.length = 0;
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await vhost?.remove();
  await tracerProvider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('tracing over RabbitMQ', () => {
  it('makes one trace of a request in chat, the event it publishes, every attempt in feed and the command feed sends', async () => {
    failOnce.add('hello');
    await asHttpRequest('POST /rooms/:room/messages', upstreamHeaders, () =>
      (services['chat'] as Service).bus.publish(MessagePosted, { room: 'general', text: 'hello' }),
    );

    const found = await spans(
      ['POST /rooms/:room/messages'],
      ['publish chat.message-posted.v1', 'chat'],
      ['process chat.message-posted.v1', 'feed', 2],
      ['publish notify.room.v1', 'feed'],
      ['process notify.room.v1', 'notify'],
    );
    const [server, publish, send, notify] = [found[0], found[1], found[3], found[4]].map(only) as ReadableSpan[] as [
      ReadableSpan,
      ReadableSpan,
      ReadableSpan,
      ReadableSpan,
    ];
    const [failed, succeeded] = found[2] as [ReadableSpan, ReadableSpan];

    const all = [server, publish, failed, succeeded, send, notify];
    expect(new Set(all.map((s) => s.spanContext().traceId))).toEqual(new Set([upstream.traceId]));
    expect(parentOf(server)).toBe(upstream.spanId);
    expect(parentOf(publish)).toBe(idOf(server));
    // Both attempts continue the producer's span: the retry went through a delay queue with its headers intact.
    expect([parentOf(failed), parentOf(succeeded)]).toEqual([idOf(publish), idOf(publish)]);
    expect(parentOf(send)).toBe(idOf(succeeded));
    expect(parentOf(notify)).toBe(idOf(send));
    // tracestate crossed both hops as well.
    expect(succeeded.parentSpanContext?.traceState?.serialize()).toBe('gateway=edge-1');
    expect(notify.parentSpanContext?.traceState?.serialize()).toBe('gateway=edge-1');
    expect(notified).toEqual(['hello']);

    expect([publish.kind, failed.kind, succeeded.kind, send.kind, notify.kind]).toEqual([
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
      SpanKind.CONSUMER,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
    ]);
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'wharf.events',
      'messaging.rabbitmq.destination.routing_key': 'chat.message-posted.v1',
    });
    expect([failed.attributes['wharf.message.attempt'], succeeded.attributes['wharf.message.attempt']]).toEqual([1, 2]);
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('HANDLER_FAILED');
    expect(succeeded.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'feed',
      'messaging.message.id': publish.attributes['messaging.message.id'],
    });
    expect(notify.attributes['messaging.message.conversation_id']).toBe(publish.attributes['messaging.message.id']);
  });

  it('makes the answer to a query a child of the request', async () => {
    const reply = await asHttpRequest('GET /rooms/:room/feed', {}, () =>
      (services['chat'] as Service).bus.request(GetFeed, { room: 'general' }),
    );
    expect(reply).toEqual({ texts: [] });

    const [server, ask, answered] = (
      await spans(['GET /rooms/:room/feed'], ['publish feed.get.v1', 'chat'], ['process feed.get.v1', 'feed'])
    ).map(only) as [ReadableSpan, ReadableSpan, ReadableSpan];

    expect(server.parentSpanContext).toBeUndefined();
    expect(new Set([server, ask, answered].map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(ask.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(answered.parentSpanContext?.spanId).toBe(ask.spanContext().spanId);
    expect(ask.attributes).toMatchObject({ 'messaging.operation.name': 'request', 'messaging.destination.name': 'wharf.commands' });
    expect(answered.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'feed' });
  });
});
