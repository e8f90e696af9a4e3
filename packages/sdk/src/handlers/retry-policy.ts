/** How a failing handler is retried: bounded attempts with exponential backoff and jitter. */
export interface RetryPolicy {
  /** Deliveries in all, the first included; after the last failure the message is dead-lettered. */
  maxAttempts: number;
  /** Delay before the second attempt. */
  initialDelayMs: number;
  /** Cap of any delay. */
  maxDelayMs: number;
  /** Growth of the delay from one attempt to the next. */
  factor: number;
  /** Spread of each delay, 0 to 1: 0.2 picks a delay within ±20%. */
  jitter: number;
}

/** The policy used where a service or handler sets none: 5 attempts, 200 ms doubling up to 1 minute, ±20%. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 60_000,
  factor: 2,
  jitter: 0.2,
});

/** Merges partial policies over the default, checking that the result makes sense. */
export function retryPolicy(...layers: ReadonlyArray<Partial<RetryPolicy> | undefined>): RetryPolicy {
  const policy: RetryPolicy = Object.assign({}, DEFAULT_RETRY_POLICY, ...layers.filter(Boolean));
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be a whole number of 1 or more, got ${policy.maxAttempts}`);
  }
  if (policy.initialDelayMs < 0 || policy.maxDelayMs < policy.initialDelayMs || policy.factor < 1) {
    throw new RangeError('retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs and factor >= 1');
  }
  if (policy.jitter < 0 || policy.jitter > 1) throw new RangeError('retry.jitter must be between 0 and 1');
  return policy;
}

/** The delay before the attempt after `failedAttempt` (1 for the first delivery). */
export function retryDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (failedAttempt - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(policy.maxDelayMs, base + spread)));
}
