import { SplitflowError } from '@splitflow/contract';
import type { PoolState } from './pool-state.js';
import type { PlacementRequest } from './scheduler.js';

export const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
export const round = (ms: number) => Math.round(ms * 100) / 100;

export const noPoolServes = (model: string) => new SplitflowError('MODEL_NOT_FOUND', { message: `no pool serves model "${model}"`, details: { model } });
export const noHealthyEndpoint = (model: string) =>
  new SplitflowError('NO_CAPACITY', { message: `no healthy endpoint serves model "${model}"`, retryAfterS: 1 });
export const everyPoolAtBound = (model: string) =>
  new SplitflowError('OVERLOADED', { message: `every pool serving "${model}" is at its queue bound`, retryAfterS: 1 });

/** When every pool serving the model is too small for the request, the error that says so (a smaller batch may fit). */
export function fitsNowhere(request: PlacementRequest, candidates: readonly PoolState[]): SplitflowError | undefined {
  const largest = Math.max(...candidates.map((p) => p.memoryBytes));
  if (!(request.work.bytes > largest)) return undefined;
  const gib = (b: number) => (b / 2 ** 30).toFixed(2);
  return new SplitflowError('INVALID_REQUEST', {
    message: `"${request.model}" at batch ${request.batch} needs ${gib(request.work.bytes)} GiB, more than any pool serving it has (largest: ${gib(largest)} GiB)`,
    details: { model: request.model, batch: request.batch, neededBytes: request.work.bytes, largestBytes: largest },
  });
}

/** A pool at its bound: its slots and its queue are full. */
export const atBound = (pool: PoolState) => pool.outstanding >= pool.healthyCount * pool.maxConcurrency + pool.maxQueue;
