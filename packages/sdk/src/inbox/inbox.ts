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

/** The default inbox: the most recent keys of this process, kept in memory. */
export class InMemoryInbox implements Inbox {
  readonly #keys = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    this.#keys.add(key);
    // A Set iterates in insertion order, so the first key is the oldest.
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.values().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }
}
