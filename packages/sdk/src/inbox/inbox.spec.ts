import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { messageId } from '../ids/message-id.js';
import { InMemoryInbox } from './inbox.js';

/** The inbox with `<handler>:<message id>` keys, so the cases below read as one string each. */
function keyed(capacity?: number) {
  const inbox = new InMemoryInbox(capacity);
  const split = (key: string): [string, string] => {
    const colon = key.indexOf(':');
    return colon < 0 ? ['', key] : [key.slice(0, colon), key.slice(colon + 1)];
  };
  return {
    has: (key: string) => inbox.has(...split(key)),
    add: (key: string) => inbox.add(...split(key)),
  };
}

/** What the inbox must behave like: the last `capacity` distinct keys, oldest out first. */
class ReferenceInbox {
  readonly keys = new Set<string>();
  constructor(readonly capacity: number) {}
  add(key: string): void {
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
  }
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
}

describe('InMemoryInbox', () => {
  it('remembers what was added', () => {
    const inbox = keyed();
    const id = messageId();
    inbox.add(`Handler:${id}`);
    inbox.add('Handler:1');
    expect(inbox.has(`Handler:${id}`)).toBe(true);
    expect(inbox.has('Handler:1')).toBe(true);
    expect(inbox.has(`Other:${id}`)).toBe(false);
    expect(inbox.has(`Handler:${messageId()}`)).toBe(false);
    expect(inbox.has('Handler:2')).toBe(false);
  });

  it('forgets the oldest keys beyond its capacity', () => {
    const inbox = keyed(2);
    inbox.add('a');
    inbox.add('b');
    inbox.add('c');
    expect([inbox.has('a'), inbox.has('b'), inbox.has('c')]).toEqual([false, true, true]);
    const [x, y, z] = [messageId(), messageId(), messageId()].map((id) => `H:${id}`) as [string, string, string];
    inbox.add(x);
    inbox.add(y);
    inbox.add(z);
    expect([inbox.has(x), inbox.has(y), inbox.has(z)]).toEqual([false, true, true]);
  });

  it('tells apart ids that differ in case or in a single bit, and keys with other prefixes', () => {
    const inbox = keyed();
    const id = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
    inbox.add(`H:${id}`);
    expect(inbox.has(`H:${id.toUpperCase()}`)).toBe(false);
    expect(inbox.has('H:0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2a')).toBe(false);
    expect(inbox.has('H:1190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b')).toBe(false);
    expect(inbox.has(`HH:${id}`)).toBe(false);
    expect(inbox.has(`:${id}`)).toBe(false);
    expect(inbox.has(id)).toBe(false);
    // A key that fails to parse halfway must not leave the previous key's parse behind.
    inbox.add(`H:${id.slice(0, 30)}zzzzzz`);
    expect(inbox.has(`H:${id}`)).toBe(true);
    expect(inbox.has(`H:${id.slice(0, 30)}zzzzzz`)).toBe(true);
    expect(inbox.has(`H:${id.slice(0, 30)}000000`)).toBe(false);
    inbox.add(`H:${id.toUpperCase()}`);
    expect(inbox.has(`H:${id.toUpperCase()}`)).toBe(true);
  });

  // 5,000 also makes the arrays grow (from 1,024 keys) before the ring wraps.
  it.each([1_000, 5_000])('keeps exactly the last %i distinct UUID keys through evictions and duplicates', (capacity) => {
    const inbox = keyed(capacity);
    const reference = new ReferenceInbox(capacity);
    const random = seeded(42);
    const seen: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const roll = random();
      const key =
        roll < 0.2 && seen.length > 0
          ? (seen[Math.floor(random() * seen.length)] as string)
          : `${roll < 0.6 ? 'A' : 'B'}:${roll < 0.9 ? messageId() : randomUUID()}`;
      seen.push(key);
      expect(inbox.has(key)).toBe(reference.keys.has(key));
      inbox.add(key);
      reference.add(key);
    }
    const missing = [...reference.keys].filter((key) => !inbox.has(key));
    const stale = seen.filter((key) => !reference.keys.has(key) && inbox.has(key));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it('with mixed key forms, finds at least the last N keys and never one that was not added', () => {
    const capacity = 500;
    const inbox = keyed(capacity);
    const reference = new ReferenceInbox(capacity);
    const random = seeded(7);
    for (let i = 0; i < 10_000; i += 1) {
      const key = random() < 0.3 ? `Plain:${i}` : `A:${messageId()}`;
      inbox.add(key);
      reference.add(key);
    }
    expect([...reference.keys].filter((key) => !inbox.has(key))).toEqual([]);
    expect([`A:${messageId()}`, 'Plain:10000', `A:${randomUUID()}`].filter((key) => inbox.has(key))).toEqual([]);
  });

  it('remembers nothing with capacity 0', () => {
    const inbox = keyed(0);
    const key = `H:${messageId()}`;
    inbox.add(key);
    inbox.add('H:1');
    expect([inbox.has(key), inbox.has('H:1')]).toEqual([false, false]);
  });
});
