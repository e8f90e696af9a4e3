import { describe, expect, it } from 'vitest';
import { backoffDelay, pause } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the minimum and stays under the cap', () => {
    for (let i = 0; i < 50; i += 1) {
      expect(backoffDelay(0, 100, 5_000)).toBeGreaterThanOrEqual(80);
      expect(backoffDelay(0, 100, 5_000)).toBeLessThanOrEqual(120);
      expect(backoffDelay(3, 100, 5_000)).toBeGreaterThanOrEqual(640);
      expect(backoffDelay(40, 100, 5_000)).toBeLessThanOrEqual(5_000);
    }
  });
});

describe('pause', () => {
  it('ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const paused = pause(10_000, controller.signal);
    controller.abort();
    await paused;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
