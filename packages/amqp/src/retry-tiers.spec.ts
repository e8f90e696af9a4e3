import { describe, expect, it } from 'vitest';
import { retryTier } from './retry-tiers.js';

describe('retryTier', () => {
  it('picks the largest step not above the delay', () => {
    expect(retryTier(100)).toBe(100);
    expect(retryTier(499)).toBe(100);
    expect(retryTier(500)).toBe(500);
    expect(retryTier(4_999)).toBe(1_000);
    expect(retryTier(3_600_000)).toBe(600_000);
  });

  it('puts delays shorter than the first step in the first tier', () => {
    expect(retryTier(0)).toBe(100);
    expect(retryTier(42)).toBe(100);
  });
});
