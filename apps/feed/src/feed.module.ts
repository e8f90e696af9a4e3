import { Config, ContainerModule } from '@wharf/sdk';
import type { FeedConfig } from './config.js';
import { FeedHttpApi } from './http-api.js';
import { FeedStore } from './store/feed-store.js';
import { InMemoryFeedStore } from './store/in-memory-feed-store.js';
import { PostgresFeedStore } from './store/postgres-feed-store.js';

/** feed's bindings: the store (PostgreSQL when DATABASE_URL is set, else memory) and the HTTP API. */
export const feedModule = new ContainerModule(({ bind }) => {
  bind(FeedStore)
    .toDynamicValue((context) => {
      const { DATABASE_URL } = context.get<FeedConfig>(Config);
      return DATABASE_URL ? new PostgresFeedStore(DATABASE_URL) : new InMemoryFeedStore();
    })
    .inSingletonScope();
  bind(FeedHttpApi).toSelf().inSingletonScope();
});
