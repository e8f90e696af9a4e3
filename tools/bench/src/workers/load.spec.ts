import { describe, expect, it } from 'vitest';
import { samplePayload, windowed } from './load.js';

describe('samplePayload', () => {
  it('is about 200 bytes of JSON with a fresh id each time', () => {
    const a = samplePayload(1);
    const size = Buffer.byteLength(JSON.stringify(a));
    expect(size).toBeGreaterThanOrEqual(190);
    expect(size).toBeLessThanOrEqual(210);
    expect(samplePayload(1).messageId).not.toBe(a.messageId);
  });
});

describe('windowed', () => {
  it('runs every operation once and never more than the window at a time', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await windowed(50, 7, async (index) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      done.push(index);
    });
    expect(most).toBe(7);
    expect([...done].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
