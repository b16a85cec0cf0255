import type { SplitflowError } from '@splitflow/contract';

/**
 * Request bytes held at once under one name (a tenant, a pool): admission counts bytes as well as
 * requests, so a burst of large bodies cannot take the broker's (and its workers') memory, and what it
 * held is given back when each request ends.
 */
export interface ByteBudget {
  /** Takes `bytes` under `key`, or throws `refusal` when that would pass the limit; release gives them back. */
  take(key: string, bytes: number, refusal: () => SplitflowError): () => void;
  /** Bytes held under `key` now. */
  held(key: string): number;
}

export function createByteBudget(limit: number): ByteBudget {
  const held = new Map<string, number>();
  return {
    take(key, bytes, refusal) {
      const now = held.get(key) ?? 0;
      // One request alone is always let through (its size is bounded by the body limit).
      if (now > 0 && now + bytes > limit) throw refusal();
      held.set(key, now + bytes);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.get(key) ?? bytes) - bytes;
        if (left <= 0) held.delete(key);
        else held.set(key, left);
      };
    },
    held: (key) => held.get(key) ?? 0,
  };
}
