import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, Message } from 'amqplib';
import { ENV } from '../protocol.js';
import { echoRequest, produce, requestLoad, samplePayload } from './load.js';
import { connectRaw, DIRECT_REPLY_TO, RAW_EVENT_KEY, RAW_EVENTS, RAW_REQUESTS } from './raw-amqp.js';
import { tracedPublish } from './raw-tracing.js';
import {
  answerUsageRequests,
  envInt,
  envText,
  fail,
  onTerminate,
  report,
  reportProduced,
  reportReady,
  requestShape,
  whenGo,
  type WorkerOptions,
} from './worker-io.js';

// A publish on a confirm channel as a promise: resolves on the broker's ack, rejects on a nack or a return.
function publisher(channel: ConfirmChannel) {
  const returned = new Set<string>();
  channel.on('return', (message: Message) => returned.add(String(message.properties.messageId)));
  return (
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: { messageId: string; type: string; correlationId?: string; replyTo?: string; headers?: Record<string, string> },
  ) =>
    new Promise<void>((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        body,
        {
          ...options,
          persistent: true,
          mandatory: true,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
        },
        (error: unknown) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else if (returned.delete(options.messageId))
            reject(new Error(`${options.type} was returned (unroutable)`));
          else resolve();
        },
      );
    });
}

/**
 * The raw amqplib counterpart of the Wharf client: a confirm channel, persistent and mandatory publishes; role
 * `producer` publishes the events with the same window of unconfirmed publishes, role `requester` asks through
 * direct reply-to.
 */
export async function runRawClient(options: WorkerOptions = {}): Promise<void> {
  const loadedMs = performance.now();
  const role = envText(ENV.role);
  const model = await connectRaw(envText(ENV.amqpUrl));
  const channel = await model.createConfirmChannel();
  const publish = publisher(channel);
  const replies = new Map<string, (reply: Message) => void>();
  if (role === 'producer') {
    await channel.assertExchange(RAW_EVENTS, 'topic', { durable: true });
  } else if (role === 'requester') {
    await channel.assertExchange(RAW_REQUESTS, 'direct', { durable: true });
    await channel.consume(
      DIRECT_REPLY_TO,
      (reply) => reply && replies.get(String(reply.properties.correlationId))?.(reply),
      { noAck: true },
    );
  } else {
    return fail(new Error(`Unknown role ${role}`));
  }
  onTerminate(() => model.close());
  answerUsageRequests();
  reportReady(loadedMs);
  await whenGo();
  if (role === 'producer') {
    const send = (index: number) => {
      const body = Buffer.from(JSON.stringify(samplePayload(index)));
      const messageId = randomUUID();
      if (!options.spans) return publish(RAW_EVENTS, RAW_EVENT_KEY, body, { messageId, type: RAW_EVENT_KEY });
      return tracedPublish(
        { exchange: RAW_EVENTS, routingKey: RAW_EVENT_KEY, messageId, bodySize: body.length },
        (headers) => publish(RAW_EVENTS, RAW_EVENT_KEY, body, { messageId, type: RAW_EVENT_KEY, headers }),
      );
    };
    const stats = await produce(envInt(ENV.count), envInt(ENV.window), send);
    await reportProduced(stats, options.spans);
    return;
  }
  const queue = envText(ENV.service);
  const request = (index: number) =>
    new Promise<unknown>((resolve, reject) => {
      const correlationId = randomUUID();
      replies.set(correlationId, (reply) => {
        replies.delete(correlationId);
        const body = JSON.parse(reply.content.toString('utf8')) as { ok: boolean; data?: unknown };
        if (body.ok) resolve(body.data);
        else reject(new Error('the responder failed'));
      });
      publish(RAW_REQUESTS, queue, Buffer.from(JSON.stringify(echoRequest(index))), {
        messageId: correlationId,
        type: 'echo.v1',
        correlationId,
        replyTo: DIRECT_REPLY_TO,
      }).catch((error: unknown) => {
        replies.delete(correlationId);
        reject(error);
      });
    });
  const stats = await requestLoad(requestShape(), request);
  report({ type: 'requested', stats });
}
