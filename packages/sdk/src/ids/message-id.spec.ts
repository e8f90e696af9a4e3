import { describe, expect, it } from 'vitest';
import { messageId } from './message-id.js';

describe('messageId', () => {
  it('makes UUIDv7 strings that sort by creation time', () => {
    const first = messageId(1_700_000_000_000);
    const second = messageId(1_700_000_000_001);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first < second).toBe(true);
  });

  it('keeps creation order within one millisecond and never repeats', () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 10_000 }, () => messageId(now));
    expect(new Set(ids).size).toBe(10_000);
    expect([...ids].sort()).toEqual(ids);
  });
});
