import { UuidKeyTable } from './uuid-key-table.js';

/**
 * Remembers which handler has already processed which message, so a redelivered message is not handled twice.
 * Bind your own (a database table) under the {@link Inbox} token to share it between instances.
 */
export interface Inbox {
  /** True when `key` (handler name and message id) was recorded before. */
  has(key: string): boolean | Promise<boolean>;
  /** Records that `key` was processed. */
  add(key: string): void | Promise<void>;
}
/** DI token of the service's {@link Inbox}. */
export const Inbox = Symbol.for('@wharf/sdk/Inbox');

/**
 * The default inbox: the most recent keys of this process, kept in memory (100,000 by default). Keys of the form
 * `<handler>:<message id>` whose id is a lower-case UUID (every id the SDK makes) are kept in typed arrays, about
 * 28 bytes each and nothing for the garbage collector to trace; other keys in a Set.
 */
export class InMemoryInbox implements Inbox {
  readonly #table: UuidKeyTable;
  readonly #other = new Set<string>();
  // The other keys in insertion order, as a ring: evicting the oldest is one step, not a scan.
  readonly #ring: string[] = [];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
    this.#table = new UuidKeyTable(capacity);
  }

  has(key: string): boolean {
    return this.#table.load(key) ? this.#table.has() : this.#other.has(key);
  }

  add(key: string): void {
    if (this.#table.load(key)) return this.#table.add();
    if (this.#capacity === 0 || this.#other.has(key)) return;
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(key);
    } else {
      this.#other.delete(this.#ring[this.#next] as string);
      this.#ring[this.#next] = key;
      this.#next = (this.#next + 1) % this.#capacity;
    }
    this.#other.add(key);
  }
}
