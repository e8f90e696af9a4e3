import type { FeedEntry } from '@wharf/contracts';
import type * as z from 'zod';

/** One stored message of a room's feed. */
export type Entry = z.infer<typeof FeedEntry>;

/** Options of {@link FeedStore.list}. */
export interface ListOptions {
  limit: number;
  /** Only entries older than this message id. */
  before?: string | undefined;
}

/** Where feed keeps the rooms' entries. `append` is idempotent on the message id. */
export interface FeedStore {
  /** Stores an entry once; returns false when the message id was already stored. */
  append(entry: Entry): Promise<boolean>;
  /** The latest `limit` entries of a room (older than `before`, if given), oldest first. */
  list(room: string, options: ListOptions): Promise<Entry[]>;
}
/** DI token of the {@link FeedStore}. */
export const FeedStore = Symbol.for('@wharf/feed/FeedStore');
