import { ewma, type WorkEstimate } from '@splitflow/contract';
import type { ModelLoad } from './pool-state.js';

/**
 * Prior for loading a model into an endpoint's memory before anything was measured: a fixed cost
 * (opening a session, reading its graph) plus its bytes at a disk-and-deserialise rate. The memory
 * the request needs (weights and activations) stands for the model's size. Measured loads (the
 * worker's `splitflow-load-us`) replace it per pool and model.
 */
export const COLD_LOAD_FIXED_MS = 50;
export const COLD_LOAD_BYTES_PER_MS = 200_000;

export function coldLoadMs(load: ModelLoad, work: WorkEstimate): number {
  return Number.isNaN(load.loadMs) ? COLD_LOAD_FIXED_MS + work.bytes / COLD_LOAD_BYTES_PER_MS : load.loadMs;
}

/** Folds one measured load time into the pool's estimate for the model. */
export function learnLoad(load: ModelLoad, measuredMs: number): void {
  if (!Number.isFinite(measuredMs) || measuredMs < 0) return;
  load.loadMs = ewma(Number.isNaN(load.loadMs) ? undefined : load.loadMs, measuredMs, 0.3);
}
