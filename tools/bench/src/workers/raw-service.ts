import type { ConsumeMessage } from 'amqplib';
import { ENV } from '../protocol.js';
import { ConsumeMeter } from './load.js';
import { connectRaw, RAW_EVENT_KEY, RAW_EVENTS, RAW_REQUESTS, serveReadiness } from './raw-amqp.js';
import { tracedProcess } from './raw-tracing.js';
import { answerUsageRequests, envInt, envText, fail, onTerminate, reportConsumed, reportReady, type WorkerOptions } from './worker-io.js';

/**
 * The raw amqplib counterpart of the Wharf service: a durable quorum queue bound to a durable exchange, the same
 * prefetch, manual acks; role `consumer` parses each event and acks it, role `responder` replies through
 * direct reply-to and acks the request.
 */
export async function runRawService(options: WorkerOptions = {}): Promise<void> {
  const loadedMs = performance.now();
  const role = envText(ENV.role);
  const queue = envText(ENV.service);
  const healthPort = process.env[ENV.healthPort];
  let ready = false;
  const listening = healthPort ? serveReadiness(Number(healthPort), () => ready) : Promise.resolve();
  const model = await connectRaw(envText(ENV.amqpUrl));
  const channel = await model.createChannel();
  await channel.prefetch(envInt(ENV.prefetch));
  const exchange = role === 'responder' ? RAW_REQUESTS : RAW_EVENTS;
  await channel.assertExchange(exchange, role === 'responder' ? 'direct' : 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(queue, exchange, role === 'responder' ? queue : RAW_EVENT_KEY);

  let onMessage: (message: ConsumeMessage) => void;
  if (role === 'consumer') {
    const spans = options.spans;
    const meter = new ConsumeMeter(envInt(ENV.count, 0), (stats) => reportConsumed(stats, spans));
    const consume = (message: ConsumeMessage) => {
      meter.received();
      JSON.parse(message.content.toString('utf8'));
      channel.ack(message);
      meter.acked();
    };
    onMessage = spans ? (message) => tracedProcess(message, queue, () => consume(message)) : consume;
  } else if (role === 'responder') {
    onMessage = (message) => {
      const request = JSON.parse(message.content.toString('utf8')) as { seq: number; text: string };
      const { replyTo, correlationId } = message.properties as { replyTo?: string; correlationId?: string };
      if (replyTo) {
        const body = JSON.stringify({
          ok: true,
          data: { seq: request.seq, text: request.text, answeredBy: queue },
        });
        channel.sendToQueue(replyTo, Buffer.from(body), { correlationId, contentType: 'application/json' });
      }
      channel.ack(message);
    };
  } else {
    return fail(new Error(`Unknown role ${role}`));
  }
  await channel.consume(
    queue,
    (message) => (message ? onMessage(message) : fail(new Error('consumer cancelled'))),
    { noAck: false },
  );
  await listening;
  ready = true;
  onTerminate(() => model.close());
  answerUsageRequests();
  reportReady(loadedMs);
}
