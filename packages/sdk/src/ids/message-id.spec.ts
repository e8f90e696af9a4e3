import { describe, expect, it } from 'vitest';
import { messageId, timeOfMessageId } from './message-id.js';

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

describe('timeOfMessageId', () => {
  it('reads the ms timestamp of a UUIDv7 and nothing from other ids', () => {
    // A UUIDv7 made at 1_700_000_000_123 ms.
    expect(timeOfMessageId('018bcfe5-687b-7abc-8def-0123456789ab')).toBe(1_700_000_000_123);
    const now = Date.now() + 120_000;
    expect(timeOfMessageId(messageId(now))).toBe(now);
    expect(timeOfMessageId('0190a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b')).toBeUndefined();
    expect(timeOfMessageId('zzzzzzzz-zzzz-7zzz-8zzz-zzzzzzzzzzzz')).toBeUndefined();
    expect(timeOfMessageId('018BCFE5-687B-7ABC-8DEF-0123456789AB')).toBeUndefined();
    expect(timeOfMessageId('m-1')).toBeUndefined();
  });
});
