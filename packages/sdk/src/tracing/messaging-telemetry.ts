import {
  context,
  createNoopMeter,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  metrics,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { WharfError } from '../errors/wharf-error.js';
import type { MessageKind, TransportMessage } from '../transport/transport.js';

/** How a consumer span relates to the producer's: its child (one trace) or a new trace with a link. */
export type ConsumerParent = 'child' | 'link';

/** What the producer side knows of a message before it is built. */
export interface OutgoingInfo {
  readonly id: string;
  readonly kind: MessageKind;
  readonly type: string;
  readonly destination: string;
  readonly correlationId: string | undefined;
  readonly bodySize: number;
}

/** A CONSUMER span being processed, from {@link MessagingTelemetry.startConsume}. */
export interface ConsumeScope {
  readonly span: Span;
  /** The context to process in, with the span active; undefined when nothing records (no OTel SDK). */
  readonly context: Context | undefined;
  readonly started: number;
  readonly attributes: Attributes;
}

const INSTRUMENTATION = '@wharf/sdk';
// The scope of every message while nothing records: a span of the API's no-op tracer, nothing to activate.
const NO_SCOPE: ConsumeScope = Object.freeze({
  span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
  context: undefined,
  started: 0,
  attributes: Object.freeze({}),
});
const CONSUMER_OPTIONS = { kind: SpanKind.CONSUMER };

const operationOf: Record<MessageKind, string> = { event: 'publish', command: 'send', query: 'request', reply: 'reply' };

// A span of the API's no-op tracer without a parent holds the INVALID_SPAN_CONTEXT object itself: spare the
// validity check (two regular expressions) on every message when no OTel SDK is registered.
function hasContext(span: Span): boolean {
  const spanContext = span.spanContext();
  return spanContext !== INVALID_SPAN_CONTEXT && isSpanContextValid(spanContext);
}

/**
 * Spans and metrics of the OTel messaging semantic conventions, through `@opentelemetry/api` only: a PRODUCER
 * span per publish with W3C trace context injected into the headers, a CONSUMER span per processed message.
 * With no OTel SDK registered every call here is a no-op of the API.
 */
export class MessagingTelemetry {
  readonly #service: string;
  readonly #system: string;
  readonly #consumerParent: ConsumerParent;
  readonly #sent: Counter;
  readonly #consumed: Counter;
  readonly #retried: Counter;
  readonly #deadLettered: Counter;
  readonly #duration: Histogram;
  readonly #producerAttributes = new Map<string, Attributes>();
  readonly #consumerAttributes = new Map<string, Attributes>();
  // The API's tracer delegates to an SDK registered later, so one lookup is enough.
  readonly #tracer: Tracer = trace.getTracer(INSTRUMENTATION);
  readonly #metricsOn: boolean;

  constructor(service: string, system: string, consumerParent: ConsumerParent) {
    this.#service = service;
    this.#system = system;
    this.#consumerParent = consumerParent;
    const meter = metrics.getMeter(INSTRUMENTATION);
    // Instruments are bound to the meter provider registered when they are created, so this cannot change.
    this.#metricsOn = meter !== createNoopMeter();
    this.#sent = meter.createCounter('messaging.client.sent.messages', { description: 'Messages sent', unit: '{message}' });
    this.#consumed = meter.createCounter('messaging.client.consumed.messages', {
      description: 'Messages delivered to handlers',
      unit: '{message}',
    });
    this.#retried = meter.createCounter('wharf.messaging.retried.messages', {
      description: 'Messages scheduled for another attempt',
      unit: '{message}',
    });
    this.#deadLettered = meter.createCounter('wharf.messaging.dead_lettered.messages', {
      description: 'Messages moved to a dead-letter queue',
      unit: '{message}',
    });
    this.#duration = meter.createHistogram('messaging.process.duration', {
      description: 'Duration of processing one message',
      unit: 's',
    });
  }

  /** Runs `send` under a PRODUCER span, having injected its trace context into the message's headers. */
  produce<T>(info: OutgoingInfo, headers: Record<string, string>, send: () => Promise<T>): Promise<T> {
    // Nothing registered to record, propagate or count: the send is all there is.
    if (!this.#metricsOn && this.#tracingOff()) return send();
    return this.#produce(info, headers, send);
  }

  // No `async` frame here either: with an OTel SDK registered every promise runs the context manager's hooks.
  #produce<T>(info: OutgoingInfo, headers: Record<string, string>, send: () => Promise<T>): Promise<T> {
    const operation = operationOf[info.kind];
    const span = this.#tracer.startSpan(`publish ${info.type}`, { kind: SpanKind.PRODUCER });
    if (span.isRecording()) {
      span.setAttributes({
        'messaging.system': this.#system,
        'messaging.operation.name': operation,
        'messaging.operation.type': 'send',
        'messaging.destination.name': info.destination,
        'messaging.rabbitmq.destination.routing_key': info.type,
        'messaging.message.id': info.id,
        'messaging.message.body.size': info.bodySize,
        ...(info.correlationId === undefined ? {} : { 'messaging.message.conversation_id': info.correlationId }),
        'wharf.service': this.#service,
      });
    }
    const attributes = this.#cached(this.#producerAttributes, info.type, () =>
      this.#metricAttributes(operation, info.destination, info.type),
    );
    const failed = (error: unknown): never => {
      const code = WharfError.from(error).code;
      this.#fail(span, error, code);
      this.#sent.add(1, { ...attributes, 'error.type': code });
      span.end();
      throw error;
    };
    let sending: Promise<T>;
    try {
      // With no OTel SDK registered the span is a no-op without a valid context: nothing to inject. The send
      // itself runs in the caller's context: the message carries the span, the transport starts none of its own,
      // and not activating it spares an AsyncLocalStorage run per publish.
      if (span.isRecording() || hasContext(span)) propagation.inject(trace.setSpan(context.active(), span), headers);
      sending = send();
    } catch (error) {
      sending = Promise.reject(error);
    }
    return sending.then((result) => {
      this.#sent.add(1, attributes);
      span.end();
      return result;
    }, failed);
  }

  /**
   * Opens the CONSUMER span of a message, continuing the producer's trace from its headers. Run the processing
   * inside `scope.context` when it is defined (`context.with`), then call {@link endConsume}.
   */
  startConsume(message: TransportMessage, queue: string, attempt: number): ConsumeScope {
    // Nothing registered to record spans, propagate trace context or collect metrics: nothing to do per message.
    if (!this.#metricsOn && this.#tracingOff()) return NO_SCOPE;
    // Only the message says which trace it belongs to: the context the transport delivers in (a connection's, or
    // in-process the publisher's that scheduled the delivery) must not become the parent of an untraced message.
    const producer = propagation.extract(ROOT_CONTEXT, message.headers);
    const producerSpan = trace.getSpanContext(producer);
    const parent = this.#consumerParent === 'child' ? producer : ROOT_CONTEXT;
    const span = this.#tracer.startSpan(
      `process ${message.type}`,
      producerSpan ? { kind: SpanKind.CONSUMER, links: [{ context: producerSpan }] } : CONSUMER_OPTIONS,
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes({
        'messaging.system': this.#system,
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        'messaging.consumer.group.name': queue,
        'messaging.rabbitmq.destination.routing_key': message.type,
        'messaging.message.id': message.id,
        'messaging.message.body.size': message.body.length,
        ...(message.correlationId === undefined ? {} : { 'messaging.message.conversation_id': message.correlationId }),
        'wharf.service': this.#service,
        'wharf.message.attempt': attempt,
      });
    }
    const attributes = this.#cached(this.#consumerAttributes, message.type, () =>
      this.#metricAttributes('process', queue, message.type),
    );
    this.#consumed.add(1, attributes);
    // With no OTel SDK the span is a no-op without a valid context: there is no context to activate.
    const active = span.isRecording() || hasContext(span) ? trace.setSpan(producer, span) : undefined;
    return { span, context: active, started: performance.now(), attributes };
  }

  /** Records the processing time of a message and ends its CONSUMER span. */
  endConsume(scope: ConsumeScope): void {
    if (scope === NO_SCOPE) return;
    this.#duration.record((performance.now() - scope.started) / 1000, scope.attributes);
    scope.span.end();
  }

  // True while no tracer provider and no propagator are registered (either may be registered at any time).
  #tracingOff(): boolean {
    const provider = trace.getTracerProvider();
    return (
      provider instanceof ProxyTracerProvider &&
      provider.getDelegateTracer(INSTRUMENTATION) === undefined &&
      propagation.fields().length === 0
    );
  }

  /** Marks a consumer span as failed with the error's code. */
  failed(span: Span, error: unknown): void {
    this.#fail(span, error, WharfError.from(error).code);
  }

  /** Counts a message scheduled for another attempt. */
  retried(queue: string, type: string, code: string): void {
    this.#retried.add(1, { ...this.#metricAttributes('process', queue, type), 'error.type': code });
  }

  /** Counts a message moved to the dead-letter queue. */
  deadLettered(queue: string, type: string, code: string): void {
    this.#deadLettered.add(1, { ...this.#metricAttributes('process', queue, type), 'error.type': code });
  }

  #fail(span: Span, error: unknown, code: string): void {
    if (!span.isRecording()) return;
    span.setAttribute('error.type', code);
    span.recordException(error instanceof Error ? error : new Error(String(error)));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }

  // Attributes are the same for every message of a type: build them once (a bounded number of types).
  #cached(cache: Map<string, Attributes>, type: string, build: () => Attributes): Attributes {
    let attributes = cache.get(type);
    if (!attributes) {
      attributes = build();
      if (cache.size < 1_000) cache.set(type, attributes);
    }
    return attributes;
  }

  #metricAttributes(operation: string, destination: string, type: string): Attributes {
    return {
      'messaging.system': this.#system,
      'messaging.operation.name': operation,
      'messaging.destination.name': destination,
      'wharf.service': this.#service,
      'wharf.message.type': type,
    };
  }
}
