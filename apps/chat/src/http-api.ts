import { ChatMessagePosted, FeedGet } from '@wharf/contracts';
import {
  Bus,
  Config,
  inject,
  injectable,
  Logger,
  messageId,
  traceHttpRequest,
  validate,
  WharfError,
  type LifecycleHooks,
} from '@wharf/sdk';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ChatConfig } from './config.js';

const unavailable = new Set(['REQUEST_TIMEOUT', 'TRANSPORT_UNAVAILABLE', 'PUBLISH_TIMEOUT', 'UNROUTABLE']);

/** chat's HTTP API: post messages to a room, read a room's feed (asked of feed over the bus). */
@injectable()
export class ChatHttpApi implements LifecycleHooks {
  readonly app: FastifyInstance;
  #port: number | undefined;

  constructor(
    @inject(Bus) private readonly bus: Bus,
    @inject(Config) private readonly config: ChatConfig,
    @inject(Logger) private readonly logger: Logger,
  ) {
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    this.app.post<{ Params: { room: string }; Body: unknown }>('/rooms/:room/messages', (request, reply) =>
      this.#respond(request, reply, 202, async () => {
        const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
        const message = await validate(
          ChatMessagePosted.schema,
          { messageId: messageId(), room: request.params.room, author: body['author'], text: body['text'], postedAt: new Date().toISOString() },
          'The message',
        );
        await this.bus.publish(ChatMessagePosted, message);
        return { messageId: message.messageId };
      }),
    );
    this.app.get<{ Params: { room: string }; Querystring: Record<string, string | undefined> }>('/rooms/:room/feed', (request, reply) =>
      this.#respond(request, reply, 200, async () => {
        const { limit, before } = request.query;
        const query = { room: request.params.room, ...(limit ? { limit: Number(limit) } : {}), ...(before ? { before } : {}) };
        return this.bus.request(FeedGet, query, { timeoutMs: this.config.FEED_TIMEOUT_MS });
      }),
    );
  }

  /** The port the API listens on, once ready. */
  get port(): number | undefined {
    return this.#port;
  }

  async onReady(): Promise<void> {
    await this.app.listen({ port: this.config.HTTP_PORT, host: '0.0.0.0' });
    const address = this.app.server.address();
    this.#port = typeof address === 'object' && address ? address.port : this.config.HTTP_PORT;
    this.logger.info({ port: this.#port }, 'chat HTTP API listening');
  }

  async onDrain(): Promise<void> {
    // Stops accepting requests and waits for those in progress, whose publishes still have the transport.
    await this.app.close();
  }

  async #respond(request: FastifyRequest, reply: FastifyReply, status: number, work: () => Promise<unknown>): Promise<FastifyReply> {
    const traced = { method: request.method, route: request.routeOptions.url ?? request.url, headers: request.headers };
    const outcome = await traceHttpRequest(traced, () => this.#outcome(status, work), (o) => o.status);
    return reply.code(outcome.status).send(outcome.body);
  }

  async #outcome(status: number, work: () => Promise<unknown>): Promise<{ status: number; body: unknown }> {
    try {
      return { status, body: await work() };
    } catch (thrown) {
      const error = WharfError.from(thrown);
      if (error.code === 'CONTRACT_VIOLATION') return { status: 400, body: { error: error.toWire() } };
      if (unavailable.has(error.code)) {
        this.logger.warn({ err: error }, 'a dependency is unavailable');
        return { status: 503, body: { error: error.toWire() } };
      }
      this.logger.error({ err: error }, 'request failed');
      return { status: 500, body: { error: { code: error.code, message: 'internal error', retryable: false } } };
    }
  }
}
