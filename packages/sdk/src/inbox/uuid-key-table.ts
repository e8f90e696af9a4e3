import { hexDigit } from '../ids/hex-digit.js';

// Each entry: the prefix's number (a handler's), then the UUID's 128 bits as four 32-bit words.
const WORDS = 5;
const UUID_LENGTH = 36;

/**
 * A bounded set of (prefix, lower-case UUID) keys kept in typed arrays: 20 bytes per key plus 8 of index, no
 * object per key for the garbage collector to promote and trace, and arrays that grow with use up to the
 * capacity. The oldest key makes room for a new one at capacity.
 * Exact: a key is found only if the same prefix and the same 128 bits were added.
 */
export class UuidKeyTable {
  readonly #capacity: number;
  readonly #prefixes = new Map<string, number>();
  // A ring of entries in insertion order, and an open-addressing index of them (entry + 1; 0 is empty).
  #entries: Uint32Array | undefined;
  #index: Int32Array | undefined;
  #mask = 0;
  #allocated = 0;
  #next = 0;
  #size = 0;
  readonly #key = new Uint32Array(WORDS);
  #loadedId: string | undefined;
  #loadedPrefix: string | undefined;
  // The prefix of the last key and its number: a service's keys mostly share one.
  #lastPrefix: string | undefined;
  #lastNumber = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Parses a key for the next `has`/`add`; false when `id` is not a lower-case UUID. */
  load(prefix: string, id: string): boolean {
    // `has` and then `add` of the same key: parse it once.
    if (id === this.#loadedId && prefix === this.#loadedPrefix) return true;
    this.#loadedId = undefined;
    if (id.length !== UUID_LENGTH) return false;
    const words = this.#key;
    let word = 0;
    let nibbles = 0;
    for (let i = 0; i < UUID_LENGTH; i += 1) {
      const code = id.charCodeAt(i);
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (code !== 0x2d /* '-' */) return false;
        continue;
      }
      const nibble = hexDigit(code);
      if (nibble < 0) return false;
      word = (word << 4) | nibble;
      nibbles += 1;
      if (nibbles % 8 === 0) {
        words[nibbles / 8] = word;
        word = 0;
      }
    }
    if (prefix === this.#lastPrefix) {
      words[0] = this.#lastNumber;
    } else {
      let number = this.#prefixes.get(prefix);
      if (number === undefined) {
        // Prefixes are handler names, a handful per service; refuse unbounded growth from odd keys.
        if (this.#prefixes.size >= 0xffff) return false;
        number = this.#prefixes.size;
        this.#prefixes.set(prefix, number);
      }
      this.#lastPrefix = prefix;
      this.#lastNumber = number;
      words[0] = number;
    }
    this.#loadedId = id;
    this.#loadedPrefix = prefix;
    return true;
  }

  /** True when the loaded key was added and not yet evicted. */
  has(): boolean {
    return this.#find() >= 0;
  }

  /** Adds the loaded key (evicting the oldest at capacity). */
  add(): void {
    if (this.#capacity === 0 || this.#find() >= 0) return;
    if (this.#size === this.#allocated && this.#allocated < this.#capacity) this.#grow();
    const entries = this.#entries as Uint32Array;
    const entry = this.#next;
    if (this.#size === this.#capacity) this.#remove(entry);
    else this.#size += 1;
    entries.set(this.#key, entry * WORDS);
    this.#insert(entries, entry);
    this.#next = (entry + 1) % this.#capacity;
  }

  // The arrays start small and double up to the capacity: a service that handles little keeps little.
  #grow(): void {
    const allocated = Math.min(this.#capacity, Math.max(1_024, this.#allocated * 2));
    const entries = new Uint32Array(allocated * WORDS);
    if (this.#entries) entries.set(this.#entries);
    let slots = 2;
    while (slots < allocated * 2) slots *= 2;
    this.#entries = entries;
    this.#index = new Int32Array(slots);
    this.#mask = slots - 1;
    this.#allocated = allocated;
    // Until the capacity is reached the ring has not wrapped: entries 0..size-1 are in insertion order.
    for (let entry = 0; entry < this.#size; entry += 1) this.#insert(entries, entry);
  }

  #insert(entries: Uint32Array, entry: number): void {
    const index = this.#index as Int32Array;
    let slot = this.#home(entries, entry);
    while (index[slot] !== 0) slot = (slot + 1) & this.#mask;
    index[slot] = entry + 1;
  }

  // The slot of the loaded key in the index, or -1.
  #find(): number {
    const entries = this.#entries;
    const index = this.#index;
    if (!entries || !index) return -1;
    const key = this.#key;
    for (let slot = this.#hash(key, 0); ; slot = (slot + 1) & this.#mask) {
      const stored = (index[slot] ?? 0) - 1;
      if (stored < 0) return -1;
      const at = stored * WORDS;
      if (
        entries[at + 4] === key[4] &&
        entries[at + 3] === key[3] &&
        entries[at + 2] === key[2] &&
        entries[at + 1] === key[1] &&
        entries[at] === key[0]
      ) {
        return slot;
      }
    }
  }

  #home(entries: Uint32Array, entry: number): number {
    return this.#hash(entries, entry * WORDS);
  }

  // UUIDv7 and v4 end in random bits; mixing in the other words spreads ids that share them.
  #hash(words: Uint32Array, at: number): number {
    let h = Math.imul((words[at + 4] ?? 0) ^ (words[at] ?? 0), 0x9e3779b1);
    h ^= Math.imul(words[at + 3] ?? 0, 0x85ebca6b) ^ (words[at + 2] ?? 0) ^ (words[at + 1] ?? 0);
    h ^= h >>> 15;
    return Math.imul(h, 0xc2b2ae35) & this.#mask;
  }

  // Removes an entry from the index by backward-shift deletion, so no probe sequence is broken.
  #remove(entry: number): void {
    const entries = this.#entries as Uint32Array;
    const index = this.#index as Int32Array;
    const mask = this.#mask;
    let hole = this.#home(entries, entry);
    while (index[hole] !== entry + 1) hole = (hole + 1) & mask;
    for (let slot = (hole + 1) & mask; index[slot] !== 0; slot = (slot + 1) & mask) {
      const home = this.#home(entries, (index[slot] as number) - 1);
      // Move the entry back into the hole unless its home lies cyclically in (hole, slot].
      const stays = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (!stays) {
        index[hole] = index[slot] as number;
        hole = slot;
      }
    }
    index[hole] = 0;
  }
}
