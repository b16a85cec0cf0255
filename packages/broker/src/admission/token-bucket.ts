import type { RateLimit } from '@splitflow/contract';

/** A token bucket on a caller-given clock (ms), so tests step time instead of sleeping. */
export interface TokenBucket {
  /** Takes one token; returns 0 when taken, else the ms until one is there. */
  take(now: number): number;
}

export function createTokenBucket(limit: RateLimit, start: number): TokenBucket {
  const perMs = limit.requestsPerSecond / 1000;
  let tokens = limit.burst;
  let last = start;
  return {
    take(now) {
      if (now > last) {
        tokens = Math.min(limit.burst, tokens + (now - last) * perMs);
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (1 - tokens) / perMs;
    },
  };
}
