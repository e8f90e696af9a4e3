/**
 * Delay steps of the retry queues, in ms. A retry of `delayMs` waits in the queue of the largest step ≤ `delayMs`
 * (the smallest step for shorter delays), with the message's own `expiration` set to `delayMs`. RabbitMQ expires
 * messages only at the head of a queue, so a message can wait behind a longer one of the same tier: the ladder
 * bounds that extra wait by the tier's width (e.g. a 600 ms retry behind a 999 ms one in the 500 ms tier), and
 * messages of very different delays never share a queue.
 */
export const RETRY_TIERS_MS: readonly number[] = [100, 500, 1_000, 5_000, 30_000, 120_000, 600_000];

/** The retry tier, in ms, a delay of `delayMs` waits in. */
export function retryTier(delayMs: number): number {
  let tier = RETRY_TIERS_MS[0] as number;
  for (const step of RETRY_TIERS_MS) if (step <= delayMs) tier = step;
  return tier;
}
