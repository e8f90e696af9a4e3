import { describe, expect, it } from 'vitest';
import { InMemoryInbox } from './inbox.js';

describe('InMemoryInbox', () => {
  it('remembers what was added', () => {
    const inbox = new InMemoryInbox();
    inbox.add('Handler:1');
    expect(inbox.has('Handler:1')).toBe(true);
    expect(inbox.has('Handler:2')).toBe(false);
  });

  it('forgets the oldest keys beyond its capacity', () => {
    const inbox = new InMemoryInbox(2);
    inbox.add('a');
    inbox.add('b');
    inbox.add('c');
    expect([inbox.has('a'), inbox.has('b'), inbox.has('c')]).toEqual([false, true, true]);
  });
});
