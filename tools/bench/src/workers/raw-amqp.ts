// The raw amqplib side: what a careful hand-written client does, with the guarantees Wharf gives by default.
import { createServer } from 'node:http';
import { connect, type ChannelModel } from 'amqplib';

/** The raw variant's topic exchange for events (Wharf's is `wharf.events`). */
export const RAW_EVENTS = 'raw.events';
/** The raw variant's direct exchange for requests (Wharf's is `wharf.commands`). */
export const RAW_REQUESTS = 'raw.requests';
/** Routing key of the raw benchmark event. */
export const RAW_EVENT_KEY = 'bench.sample-posted.v1';
/** RabbitMQ's direct reply-to pseudo-queue. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** Connects with TCP_NODELAY, as Wharf's transport does. */
export function connectRaw(url: string): Promise<ChannelModel> {
  return connect(url, { noDelay: true });
}

/** Serves `/readyz` (200 once `isReady()`), as the Wharf service's health server does; resolves when listening. */
export function serveReadiness(port: number, isReady: () => boolean): Promise<void> {
  const server = createServer((request, response) => {
    const ok = request.url === '/readyz' && isReady();
    response
      .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
      .end(ok ? '{"ready":true}' : '{"ready":false}');
  });
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
}
