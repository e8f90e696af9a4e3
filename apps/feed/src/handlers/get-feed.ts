import type { FeedGet } from '@wharf/contracts';
import { inject, injectable, type Payload, type QueryHandler, type Response } from '@wharf/sdk';
import { FeedStore } from '../store/feed-store.js';

/** Answers `feed.get` with a room's latest entries. */
@injectable()
export class GetFeed implements QueryHandler<typeof FeedGet> {
  constructor(@inject(FeedStore) private readonly store: FeedStore) {}

  async handle(request: Payload<typeof FeedGet>): Promise<Response<typeof FeedGet>> {
    const entries = await this.store.list(request.room, { limit: request.limit, before: request.before });
    return { room: request.room, entries };
  }
}
