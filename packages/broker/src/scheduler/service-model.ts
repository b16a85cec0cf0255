import { computeMs, ewma, type WorkEstimate } from '@splitflow/contract';
import { BATCH_BUCKETS, batchBucket, type PoolState } from './pool-state.js';

/**
 * Service time of one request on a pool: the contract's roofline estimate from the manifest's cost
 * profile, corrected by what the pool has measured for that (model, batch bucket). Learning a ratio
 * rather than raw milliseconds keeps the correction valid when other dims (sequence length, image
 * size) change the work within one bucket.
 *
 * Next to the mean it learns how far observations overshoot the prediction, because a deadline is
 * met or missed by the tail, not the mean: a pool whose mean fits under the deadline but whose
 * latency is erratic (oversubscribed cores) misses often. Per (model, bucket), in one array of
 * `LEARNED_SLOTS * BATCH_BUCKETS`, O(1) per observation:
 * - ratio: EWMA of measured / seeded service time (NaN until measured);
 * - service semivariance: EWMA of max(0, measured - predicted)^2 / seed^2, in the ratio's units so it
 *   scales with the work like the mean does (NaN until a second measurement: the first one's error is
 *   the prior's error, not dispersion);
 * - finish semivariance: EWMA of max(0, observed latency - predicted finish)^2, in ms^2, since it is
 *   mostly queueing error, which depends on the load, not the request's size (NaN until observed);
 * - when either was last updated (for the decay below).
 * Only overshoot counts (upper semivariance): finishing early never misses a deadline, and a mean
 * that is biased high should not make the pool look erratic.
 */
export const LEARNED_SLOTS = 4;
const RATIO = 0;
const SERVICE_VAR = BATCH_BUCKETS;
const FINISH_VAR = 2 * BATCH_BUCKETS;
const UPDATED_AT = 3 * BATCH_BUCKETS;

/**
 * Multiplier of the upper semideviation for a tail estimate near the 95th percentile: for normal
 * errors the upper semideviation is sigma / sqrt(2) and p95 = mean + 1.645 sigma = mean + 2.33 of it.
 * Heavier tails (exponential-like queueing) need more; this is deliberately the normal figure, so a
 * steady pool is not penalised.
 */
export const DEFAULT_TAIL_Z = 2.33;

/**
 * Without new observations a learned spread halves every this many ms, so a pool that was erratic under
 * a burst and then got no more of that work is tried again once things calm down, instead of being
 * shunned forever on stale evidence.
 */
export const DEFAULT_SPREAD_HALF_LIFE_MS = 1000;

/**
 * Weight of one observation in the learned spreads (the mean learns at 0.2). A tail estimate must not
 * turn on one outlier: at 0.2 a single answer 51 ms late (a GC pause, one run of batch work ahead) put
 * a 60 ms deadline's tail past it and sent large/i to the GPU at 40 req/s, where every request met its
 * deadline on the CPUs (H100 machine, 2026-11-24). At 0.05 it takes a run of late answers, which come
 * within tens of milliseconds under the load where spreads matter.
 */
export const SPREAD_ALPHA = 0.05;

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
 * How far above the predicted finish the tail lies, ms: z times the larger of the service and finish
 * semideviations, decayed by the time since the last observation. 0 before any observation, so
 * priors decide as they did before anything was learned.
 */
export function spreadFrom(learned: Float64Array | undefined, bucket: number, seed: number, t: number, z: number, halfLifeMs: number): number {
  if (learned === undefined) return 0;
  const serviceVar = learned[SERVICE_VAR + bucket] as number;
  const finishVar = learned[FINISH_VAR + bucket] as number;
  const serviceSd = Number.isNaN(serviceVar) ? 0 : Math.sqrt(serviceVar) * seed;
  const finishSd = Number.isNaN(finishVar) ? 0 : Math.sqrt(finishVar);
  const sd = Math.max(serviceSd, finishSd);
  if (sd === 0) return 0;
  const age = t - (learned[UPDATED_AT + bucket] as number);
  return age > 0 ? z * sd * 2 ** (-age / halfLifeMs) : z * sd;
}

function learnedFor(pool: PoolState, model: string): Float64Array {
  let learned = pool.learned.get(model);
  if (learned === undefined) {
    learned = new Float64Array(LEARNED_SLOTS * BATCH_BUCKETS).fill(Number.NaN);
    pool.learned.set(model, learned);
  }
  return learned;
}

/** Folds one measured compute time into the pool's learned ratio and its spread. */
export function learn(
  pool: PoolState,
  model: string,
  batch: number,
  seed: number,
  measuredMs: number,
  alpha = 0.2,
  t = Number.NaN,
  spreadAlpha = SPREAD_ALPHA,
): void {
  if (!(seed > 0) || !Number.isFinite(measuredMs) || measuredMs < 0) return;
  const learned = learnedFor(pool, model);
  const bucket = batchBucket(batch);
  const previous = learned[RATIO + bucket] as number;
  const ratio = measuredMs / seed;
  if (!Number.isNaN(previous)) {
    const over = Math.max(0, ratio - previous);
    const variance = learned[SERVICE_VAR + bucket] as number;
    learned[SERVICE_VAR + bucket] = ewma(Number.isNaN(variance) ? undefined : variance, over * over, spreadAlpha);
    if (!Number.isNaN(t)) learned[UPDATED_AT + bucket] = t;
  }
  learned[RATIO + bucket] = ewma(Number.isNaN(previous) ? undefined : previous, ratio, alpha);
}

/** Folds one observed end-to-end latency (queueing included) against the finish the decision predicted. */
export function learnFinish(pool: PoolState, model: string, batch: number, predictedMs: number, observedMs: number, t: number, alpha = SPREAD_ALPHA): void {
  if (!Number.isFinite(observedMs) || observedMs < 0 || !Number.isFinite(predictedMs)) return;
  const learned = learnedFor(pool, model);
  const bucket = batchBucket(batch);
  const over = Math.max(0, observedMs - predictedMs);
  const variance = learned[FINISH_VAR + bucket] as number;
  learned[FINISH_VAR + bucket] = ewma(Number.isNaN(variance) ? undefined : variance, over * over, alpha);
  learned[UPDATED_AT + bucket] = t;
}
