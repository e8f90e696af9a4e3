import { FeedGet } from '@wharf/contracts';
import { Config, inject, injectable, Logger, validate, WharfError, type LifecycleHooks } from '@wharf/sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FeedConfig } from './config.js';
import { FeedStore } from './store/feed-store.js';

/** feed's HTTP API: `GET /rooms/:room/feed?limit&before`, served while the service is ready. */
@injectable()
export class FeedHttpApi implements LifecycleHooks {
  readonly app: FastifyInstance;
  #port: number | undefined;

  constructor(
    @inject(FeedStore) store: FeedStore,
    @inject(Config) private readonly config: FeedConfig,
    @inject(Logger) private readonly logger: Logger,
  ) {
    this.app = Fastify({ logger: false });
    this.app.get<{ Params: { room: string }; Querystring: Record<string, string | undefined> }>(
      '/rooms/:room/feed',
      async (request, reply) => {
        const { limit, before } = request.query;
        try {
          const query = await validate(
            FeedGet.schema,
            { room: request.params.room, ...(limit ? { limit: Number(limit) } : {}), ...(before ? { before } : {}) },
            'The feed request',
          );
          const entries = await store.list(query.room, { limit: query.limit, before: query.before });
          return { room: query.room, entries };
        } catch (error) {
          if (WharfError.is(error) && error.code === 'CONTRACT_VIOLATION') return reply.code(400).send({ error: error.toWire() });
          throw error;
        }
      },
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
    this.logger.info({ port: this.#port }, 'feed HTTP API listening');
  }

  async onDrain(): Promise<void> {
    await this.app.close();
  }
}
