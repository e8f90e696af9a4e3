import type { Entry, FeedStore, ListOptions } from './feed-store.js';

/** The default store: rooms in memory, gone on restart. */
export class InMemoryFeedStore implements FeedStore {
  readonly #rooms = new Map<string, Entry[]>();
  readonly #ids = new Set<string>();

  async append(entry: Entry): Promise<boolean> {
    if (this.#ids.has(entry.messageId)) return false;
    this.#ids.add(entry.messageId);
    const room = this.#rooms.get(entry.room) ?? [];
    // Message ids are time-ordered (UUIDv7): keep each room sorted by them, whatever the delivery order.
    let at = room.length;
    while (at > 0 && (room[at - 1] as Entry).messageId > entry.messageId) at -= 1;
    room.splice(at, 0, entry);
    this.#rooms.set(entry.room, room);
    return true;
  }

  async list(room: string, { limit, before }: ListOptions): Promise<Entry[]> {
    const entries = this.#rooms.get(room) ?? [];
    const older = before === undefined ? entries : entries.filter((e) => e.messageId < before);
    return older.slice(Math.max(0, older.length - limit));
  }
}
