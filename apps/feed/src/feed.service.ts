import { ChatMessagePosted, FeedGet } from '@wharf/contracts';
import { answer, defineService, on } from '@wharf/sdk';
import { feedConfig } from './config.js';
import { feedModule } from './feed.module.js';
import { AppendToFeed } from './handlers/append-to-feed.js';
import { GetFeed } from './handlers/get-feed.js';
import { FeedHttpApi } from './http-api.js';
import { FeedStore } from './store/feed-store.js';

/** feed: keeps a per-room feed of chat messages and serves it over the bus and HTTP. */
export const feedService = defineService({
  name: 'feed',
  config: feedConfig,
  modules: [feedModule],
  handlers: [on(ChatMessagePosted, AppendToFeed), answer(FeedGet, GetFeed)],
  hooks: [FeedStore, FeedHttpApi],
});
