import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryDelay, retryPolicy } from './retry-policy.js';

describe('retryDelay', () => {
  const policy = retryPolicy({ initialDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0 });

  it('grows exponentially from the initial delay', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap', () => {
    expect(retryDelay(policy, 10)).toBe(1_000);
  });

  it('spreads delays by the jitter fraction', () => {
    const jittered = retryPolicy({ initialDelayMs: 1_000, jitter: 0.2 });
    expect(retryDelay(jittered, 1, () => 0)).toBe(800);
    expect(retryDelay(jittered, 1, () => 1)).toBe(1_200);
  });
});

describe('retryPolicy', () => {
  it('fills what is not given from the default', () => {
    expect(retryPolicy({ maxAttempts: 2 })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
  });

  it('rejects a policy that cannot work', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retryPolicy({ jitter: 2 })).toThrow(/jitter/);
  });
});
