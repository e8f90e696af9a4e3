import { UuidKeyTable } from './uuid-key-table.js';

/**
 * Remembers which handler has already processed which message, so a redelivered message is not handled twice.
 * Bind your own (a database table keyed by handler and message id) under the {@link Inbox} token to share it
 * between instances.
 */
export interface Inbox {
  /** True when `handler` recorded `messageId` before. */
  has(handler: string, messageId: string): boolean | Promise<boolean>;
  /** Records that `handler` processed `messageId`. */
  add(handler: string, messageId: string): void | Promise<void>;
}
/** DI token of the service's {@link Inbox}. */
export const Inbox = Symbol.for('@wharf/sdk/Inbox');

/**
 * The default inbox: the most recent (handler, message id) keys of this process, kept in memory (100,000 by
 * default). Keys whose id is a lower-case UUID (every id the SDK makes) are kept in typed arrays, about 28 bytes
 * each and nothing for the garbage collector to trace; other keys in a Set.
 */
export class InMemoryInbox implements Inbox {
  readonly #table: UuidKeyTable;
  // Keys whose id is not a lower-case UUID: message ids by handler, and a ring of them in insertion order, so
  // that evicting the oldest is one step, not a scan.
  readonly #other = new Map<string, Set<string>>();
  readonly #ringHandlers: string[] = [];
  readonly #ringIds: string[] = [];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
    this.#table = new UuidKeyTable(capacity);
  }

  has(handler: string, messageId: string): boolean {
    if (this.#table.load(handler, messageId)) return this.#table.has();
    return this.#other.get(handler)?.has(messageId) ?? false;
  }

  add(handler: string, messageId: string): void {
    if (this.#table.load(handler, messageId)) return this.#table.add();
    if (this.#capacity === 0 || this.has(handler, messageId)) return;
    if (this.#ringIds.length < this.#capacity) {
      this.#ringHandlers.push(handler);
      this.#ringIds.push(messageId);
    } else {
      const oldest = this.#ringHandlers[this.#next] as string;
      const ids = this.#other.get(oldest);
      ids?.delete(this.#ringIds[this.#next] as string);
      if (ids?.size === 0) this.#other.delete(oldest);
      this.#ringHandlers[this.#next] = handler;
      this.#ringIds[this.#next] = messageId;
      this.#next = (this.#next + 1) % this.#capacity;
    }
    let ids = this.#other.get(handler);
    if (!ids) this.#other.set(handler, (ids = new Set()));
    ids.add(messageId);
  }
}
