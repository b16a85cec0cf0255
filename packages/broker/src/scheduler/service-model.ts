import { computeMs, ewma, type WorkEstimate } from '@splitflow/contract';
import { BATCH_BUCKETS, batchBucket, type PoolState } from './pool-state.js';

/**
 * Service time of one request on a pool: the contract's roofline estimate from the manifest's cost
 * profile, corrected by what the pool has measured for that (model, batch bucket). Learning a ratio
 * rather than raw milliseconds keeps the correction valid when other dims (sequence length, image
 * size) change the work within one bucket.
 */
export function seedMs(pool: PoolState, work: WorkEstimate): number {
  return computeMs(pool.throughput, work);
}

export function serviceMs(pool: PoolState, model: string, batch: number, seed: number): number {
  const ratios = pool.learned.get(model);
  if (ratios === undefined) return seed;
  const ratio = ratios[batchBucket(batch)] as number;
  return Number.isNaN(ratio) ? seed : seed * ratio;
}

/** Folds one measured compute time into the pool's learned ratio. */
export function learn(pool: PoolState, model: string, batch: number, seed: number, measuredMs: number, alpha = 0.2): void {
  if (!(seed > 0) || !Number.isFinite(measuredMs) || measuredMs < 0) return;
  let ratios = pool.learned.get(model);
  if (ratios === undefined) {
    ratios = new Float64Array(BATCH_BUCKETS).fill(Number.NaN);
    pool.learned.set(model, ratios);
  }
  const bucket = batchBucket(batch);
  const previous = ratios[bucket] as number;
  ratios[bucket] = ewma(Number.isNaN(previous) ? undefined : previous, measuredMs / seed, alpha);
}
