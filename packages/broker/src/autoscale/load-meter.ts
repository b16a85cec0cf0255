import type { Priority } from '@splitflow/contract';

/** What one pool saw of one class over a window. */
export interface ClassLoad {
  /** Requests that asked for the pool per second: placed there, or refused while it was the cheapest fit. */
  arrivalsPerS: number;
  /** Requests the pool answered per second. */
  servedPerS: number;
  /** Mean measured service (compute) time of answered requests, ms; NaN before any answer. */
  meanServiceMs: number;
  /** Requests refused per second (no pool could take them). */
  refusedPerS: number;
}

export interface LoadSnapshot {
  windowMs: number;
  /** pool -> class -> load. */
  pools: Map<string, Record<Priority, ClassLoad>>;
}

export interface LoadMeter {
  arrived(pool: string, priority: Priority): void;
  served(pool: string, priority: Priority, serviceMs: number): void;
  refused(pool: string, priority: Priority): void;
  /**
   * Rates over the last `windowMs` (or the part of it that has passed since the meter started); with
   * `endedMsAgo`, over the window that ended that long ago (the trend: this window against the one before).
   */
  snapshot(windowMs?: number, endedMsAgo?: number): LoadSnapshot;
}

export interface LoadMeterOptions {
  /** Longest window a snapshot can ask for. @default 60000 */
  windowMs?: number;
  /** Width of one counting bucket. @default 1000 */
  bucketMs?: number;
  /** @default performance.now */
  now?: () => number;
}

const PRIORITIES: readonly Priority[] = ['interactive', 'batch'];
// Per bucket and class: arrivals, served, service ms summed, refused.
const FIELDS = 4;
const ARRIVED = 0;
const SERVED = 1;
const SERVICE_MS = 2;
const REFUSED = 3;

/**
 * Counts arrivals, answers and service time per pool and class in a ring of time buckets: O(1) per
 * event on the request path, the summing only when a snapshot is taken (a Prometheus scrape).
 */
export function createLoadMeter(options: LoadMeterOptions = {}): LoadMeter {
  const now = options.now ?? (() => performance.now());
  const bucketMs = options.bucketMs ?? 1000;
  const buckets = Math.ceil((options.windowMs ?? 60_000) / bucketMs) + 1;
  const started = now();
  const rings = new Map<string, { counts: Float64Array; stamp: Float64Array }>();

  function slot(pool: string, priority: Priority): { counts: Float64Array; base: number } {
    let ring = rings.get(pool);
    if (ring === undefined) {
      ring = { counts: new Float64Array(buckets * PRIORITIES.length * FIELDS), stamp: new Float64Array(buckets).fill(-1) };
      rings.set(pool, ring);
    }
    const index = Math.floor((now() - started) / bucketMs);
    const b = index % buckets;
    if (ring.stamp[b] !== index) {
      ring.counts.fill(0, b * PRIORITIES.length * FIELDS, (b + 1) * PRIORITIES.length * FIELDS);
      ring.stamp[b] = index;
    }
    return { counts: ring.counts, base: (b * PRIORITIES.length + PRIORITIES.indexOf(priority)) * FIELDS };
  }

  return {
    arrived(pool, priority) {
      const s = slot(pool, priority);
      s.counts[s.base + ARRIVED] = (s.counts[s.base + ARRIVED] as number) + 1;
    },
    served(pool, priority, serviceMs) {
      if (!Number.isFinite(serviceMs) || serviceMs < 0) return;
      const s = slot(pool, priority);
      s.counts[s.base + SERVED] = (s.counts[s.base + SERVED] as number) + 1;
      s.counts[s.base + SERVICE_MS] = (s.counts[s.base + SERVICE_MS] as number) + serviceMs;
    },
    refused(pool, priority) {
      const s = slot(pool, priority);
      s.counts[s.base + ARRIVED] = (s.counts[s.base + ARRIVED] as number) + 1;
      s.counts[s.base + REFUSED] = (s.counts[s.base + REFUSED] as number) + 1;
    },
    snapshot(windowMs = options.windowMs ?? 60_000, endedMsAgo = 0) {
      const t = now() - endedMsAgo;
      const current = Math.floor((t - started) / bucketMs);
      const span = Math.min(Math.ceil(windowMs / bucketMs), buckets - 1);
      // The window's seconds: the whole buckets it spans plus the current one so far, never more than has passed.
      const seconds = Math.max(1e-3, Math.min(windowMs, t - started) / 1000);
      // A window that ended before the meter started saw nothing. (Buckets the ring has reused since are
      // skipped by their stamps: the meter's window must cover the oldest one asked for.)
      const seen = t > started;
      const pools = new Map<string, Record<Priority, ClassLoad>>();
      for (const [pool, ring] of rings) {
        const sums = new Float64Array(PRIORITIES.length * FIELDS);
        for (let back = 0; back <= span; back++) {
          const index = current - back;
          if (index < 0 || !seen) break;
          const b = index % buckets;
          if (ring.stamp[b] !== index) continue;
          for (let i = 0; i < sums.length; i++) sums[i] = (sums[i] as number) + (ring.counts[b * sums.length + i] as number);
        }
        const load = {} as Record<Priority, ClassLoad>;
        PRIORITIES.forEach((priority, p) => {
          const at = p * FIELDS;
          const served = sums[at + SERVED] as number;
          load[priority] = {
            arrivalsPerS: (sums[at + ARRIVED] as number) / seconds,
            servedPerS: served / seconds,
            meanServiceMs: served > 0 ? (sums[at + SERVICE_MS] as number) / served : Number.NaN,
            refusedPerS: (sums[at + REFUSED] as number) / seconds,
          };
        });
        pools.set(pool, load);
      }
      return { windowMs, pools };
    },
  };
}
