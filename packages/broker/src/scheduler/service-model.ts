import { computeMs, ewma, type WorkEstimate } from '@splitflow/contract';
import { BATCH_BUCKETS, batchBucket, type PoolState, type TailWindows } from './pool-state.js';

/**
 * Service time of one request on a pool: the contract's roofline estimate from the manifest's cost
 * profile, corrected by what the pool has measured for that (model, batch bucket). Learning a ratio
 * rather than raw milliseconds keeps the correction valid when other dims (sequence length, image
 * size) change the work within one bucket.
 *
 * Next to the mean it learns how far observations overshoot the prediction, because a deadline is
 * met or missed by the tail, not the mean: a pool whose mean fits under the deadline but whose
 * latency is erratic (oversubscribed cores) misses often. Per (model, bucket), in one array of
 * `LEARNED_SLOTS * BATCH_BUCKETS`:
 * - ratio: EWMA of measured / seeded service time (NaN until measured);
 * - service tail: about the 90th percentile of max(0, measured - predicted) / seed over the last
 *   `TAIL_WINDOW` answers, in the ratio's units so it scales with the work like the mean does;
 * - finish tail: the same of max(0, observed latency - predicted finish), in ms, since that is mostly
 *   queueing error, which depends on the load, not the request's size;
 * - when either was last updated (for the decay below).
 * Only overshoot counts: finishing early never misses a deadline. A percentile of a window, not a
 * variance: with an EWMA of squared overshoot one answer 51 ms late (a GC pause, one batch run ahead)
 * puts a 60 ms deadline's tail past it and sends large/i to the GPU at 40 req/s, where every request
 * meets its deadline on the CPUs. Here one late answer is never the tail: it takes
 * a tenth of the window, at least two answers.
 */
export const LEARNED_SLOTS = 4;
const RATIO = 0;
const SERVICE_TAIL = BATCH_BUCKETS;
const FINISH_TAIL = 2 * BATCH_BUCKETS;
const UPDATED_AT = 3 * BATCH_BUCKETS;

/** Answers per (pool, model, batch bucket) the tails are taken over. */
export const TAIL_WINDOW = 32;

/**
 * Without new observations a learned tail halves every this many ms, so a pool that was erratic under
 * a burst and then got no more of that work is tried again once things calm down, instead of being
 * shunned forever on stale evidence.
 */
export const DEFAULT_SPREAD_HALF_LIFE_MS = 1000;

const SERVICE_RING = 0;
const FINISH_RING = BATCH_BUCKETS;
const scratch = new Float64Array(TAIL_WINDOW);

/** About the 90th percentile of the ring's values: the k-th largest, k = max(2, ceil(n / 10)); 0 under two values. */
function ringTail(w: TailWindows, ring: number): number {
  const n = w.held[ring] as number;
  if (n < 2) return 0;
  const k = Math.max(2, Math.ceil(n / 10));
  const base = ring * TAIL_WINDOW;
  for (let i = 0; i < n; i++) scratch[i] = w.values[base + i] as number;
  // Partial selection: move the k largest to the front (n <= 32, k <= 4).
  for (let i = 0; i < k; i++) {
    let max = i;
    for (let j = i + 1; j < n; j++) if ((scratch[j] as number) > (scratch[max] as number)) max = j;
    const v = scratch[i] as number;
    scratch[i] = scratch[max] as number;
    scratch[max] = v;
  }
  return scratch[k - 1] as number;
}

function push(w: TailWindows, ring: number, value: number): number {
  const at = w.next[ring] as number;
  w.values[ring * TAIL_WINDOW + at] = value;
  w.next[ring] = (at + 1) % TAIL_WINDOW;
  if ((w.held[ring] as number) < TAIL_WINDOW) w.held[ring] = (w.held[ring] as number) + 1;
  return ringTail(w, ring);
}

function windowsFor(pool: PoolState, model: string): TailWindows {
  let w = pool.tails.get(model);
  if (w === undefined) {
    w = { values: new Float64Array(2 * BATCH_BUCKETS * TAIL_WINDOW), next: new Uint8Array(2 * BATCH_BUCKETS), held: new Uint8Array(2 * BATCH_BUCKETS) };
    pool.tails.set(model, w);
  }
  return w;
}

export function seedMs(pool: PoolState, work: WorkEstimate): number {
  return computeMs(pool.throughput, work);
}

/** Service time from the model's learned array (looked up once per decision), ms. */
export function serviceFrom(learned: Float64Array | undefined, bucket: number, seed: number): number {
  if (learned === undefined) return seed;
  const ratio = learned[RATIO + bucket] as number;
  return Number.isNaN(ratio) ? seed : seed * ratio;
}

/**
 * How far above the predicted finish the tail lies, ms: `scale` times the larger of the service and
 * finish tails, decayed by the time since the last observation. 0 before any observation, so priors
 * decide as they did before anything was learned.
 */
export function spreadFrom(learned: Float64Array | undefined, bucket: number, seed: number, t: number, scale: number, halfLifeMs: number): number {
  if (learned === undefined) return 0;
  const serviceTail = learned[SERVICE_TAIL + bucket] as number;
  const finishTail = learned[FINISH_TAIL + bucket] as number;
  const tail = Math.max(Number.isNaN(serviceTail) ? 0 : serviceTail * seed, Number.isNaN(finishTail) ? 0 : finishTail);
  if (tail === 0) return 0;
  const age = t - (learned[UPDATED_AT + bucket] as number);
  return age > 0 ? scale * tail * 2 ** (-age / halfLifeMs) : scale * tail;
}

function learnedFor(pool: PoolState, model: string): Float64Array {
  let learned = pool.learned.get(model);
  if (learned === undefined) {
    learned = new Float64Array(LEARNED_SLOTS * BATCH_BUCKETS).fill(Number.NaN);
    pool.learned.set(model, learned);
  }
  return learned;
}

/** Folds one measured compute time into the pool's learned ratio and its tail. */
export function learn(pool: PoolState, model: string, batch: number, seed: number, measuredMs: number, alpha = 0.2, t = Number.NaN): void {
  if (!(seed > 0) || !Number.isFinite(measuredMs) || measuredMs < 0) return;
  const learned = learnedFor(pool, model);
  const bucket = batchBucket(batch);
  const previous = learned[RATIO + bucket] as number;
  const ratio = measuredMs / seed;
  if (!Number.isNaN(previous)) {
    // The first measurement's error is the prior's, not dispersion: tails start from the second.
    learned[SERVICE_TAIL + bucket] = push(windowsFor(pool, model), SERVICE_RING + bucket, Math.max(0, ratio - previous));
    if (!Number.isNaN(t)) learned[UPDATED_AT + bucket] = t;
  }
  learned[RATIO + bucket] = ewma(Number.isNaN(previous) ? undefined : previous, ratio, alpha);
}

/** Folds one observed end-to-end latency (queueing included) against the finish the decision predicted. */
export function learnFinish(pool: PoolState, model: string, batch: number, predictedMs: number, observedMs: number, t: number): void {
  if (!Number.isFinite(observedMs) || observedMs < 0 || !Number.isFinite(predictedMs)) return;
  const learned = learnedFor(pool, model);
  const bucket = batchBucket(batch);
  learned[FINISH_TAIL + bucket] = push(windowsFor(pool, model), FINISH_RING + bucket, Math.max(0, observedMs - predictedMs));
  learned[UPDATED_AT + bucket] = t;
}
