// OpenTelemetry by hand in the raw amqplib client and consumer: what tracing costs without Wharf, through the same
// API calls a careful developer would write (a PRODUCER span per publish with W3C trace context in the headers, a
// CONSUMER span per message continuing that trace), with the messaging attributes of the semantic conventions.
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import type { ConsumeMessage } from 'amqplib';

const tracer = trace.getTracer('@wharf/bench-raw');

/** Publishes under a PRODUCER span whose context travels in `headers`; the span ends when the publish settles. */
export function tracedPublish(
  attributes: { exchange: string; routingKey: string; messageId: string; bodySize: number },
  publish: (headers: Record<string, string>) => Promise<void>,
): Promise<void> {
  const span = tracer.startSpan(`publish ${attributes.routingKey}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.operation.name': 'publish',
      'messaging.operation.type': 'send',
      'messaging.destination.name': attributes.exchange,
      'messaging.rabbitmq.destination.routing_key': attributes.routingKey,
      'messaging.message.id': attributes.messageId,
      'messaging.message.body.size': attributes.bodySize,
    },
  });
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return publish(headers).then(
    () => span.end(),
    (error: unknown) => {
      span.end();
      throw error;
    },
  );
}

/** Runs `process` for a delivery inside a CONSUMER span that continues the producer's trace from its headers. */
export function tracedProcess(message: ConsumeMessage, queue: string, process: () => void): void {
  const parent = propagation.extract(ROOT_CONTEXT, message.properties.headers ?? {});
  const attributes: Attributes = {
    'messaging.system': 'rabbitmq',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': queue,
    'messaging.rabbitmq.destination.routing_key': message.fields.routingKey,
    'messaging.message.id': String(message.properties.messageId),
    'messaging.message.body.size': message.content.length,
  };
  const span = tracer.startSpan(`process ${message.fields.routingKey}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  try {
    context.with(trace.setSpan(parent, span), process);
  } finally {
    span.end();
  }
}
