import type { ChatMessagePosted } from '@wharf/contracts';
import { inject, injectable, type EventHandler, type MessageContext, type Payload } from '@wharf/sdk';
import { FeedStore } from '../store/feed-store.js';

/** Appends each posted chat message to its room's feed, once. */
@injectable()
export class AppendToFeed implements EventHandler<typeof ChatMessagePosted> {
  constructor(@inject(FeedStore) private readonly store: FeedStore) {}

  async handle(message: Payload<typeof ChatMessagePosted>, ctx: MessageContext): Promise<void> {
    const added = await this.store.append(message);
    if (!added) ctx.logger.info('already in the feed');
  }
}
