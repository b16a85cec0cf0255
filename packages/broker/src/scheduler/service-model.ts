import { computeMs, type WorkEstimate } from '@splitflow/contract';
import { LearnedService } from './learned-service.js';
import { batchBucket, type PoolState } from './pool-state.js';

/**
 * Without new observations a learned tail halves every this many ms, so a pool that was erratic under
 * a burst and then got no more of that work is tried again once things calm down, instead of being
 * shunned forever on stale evidence.
 */
export const DEFAULT_SPREAD_HALF_LIFE_MS = 1000;

/** Service time of one request on a pool before anything is learned: the contract's roofline estimate. */
export function seedMs(pool: PoolState, work: WorkEstimate): number {
  return computeMs(pool.throughput, work);
}

function learnedFor(pool: PoolState, model: string): LearnedService {
  let learned = pool.learned.get(model);
  if (learned === undefined) {
    learned = new LearnedService();
    pool.learned.set(model, learned);
  }
  return learned;
}

/** Folds one measured compute time into the pool's learned ratio and its tail (older overshoots halved every `halfLifeMs` of their age). */
export function learn(
  pool: PoolState,
  model: string,
  batch: number,
  seed: number,
  measuredMs: number,
  alpha = 0.2,
  t = Number.NaN,
  halfLifeMs = DEFAULT_SPREAD_HALF_LIFE_MS,
): void {
  if (!(seed > 0) || !Number.isFinite(measuredMs) || measuredMs < 0) return;
  learnedFor(pool, model).observeService(batchBucket(batch), seed, measuredMs, alpha, t, halfLifeMs);
}

/** Folds one observed end-to-end latency (queueing included) against the finish the decision predicted. */
export function learnFinish(
  pool: PoolState,
  model: string,
  batch: number,
  predictedMs: number,
  observedMs: number,
  t: number,
  halfLifeMs = DEFAULT_SPREAD_HALF_LIFE_MS,
): void {
  if (!Number.isFinite(observedMs) || observedMs < 0 || !Number.isFinite(predictedMs)) return;
  learnedFor(pool, model).observeFinish(batchBucket(batch), predictedMs, observedMs, t, halfLifeMs);
}
