import { ewma } from '@splitflow/contract';
import type { EndpointState } from '../scheduler/pool-state.js';

/**
 * An endpoint was admitted at `t`: where it said when its process started, its start-up (process
 * start to taking work: loading models, registering, the first ready probe) is folded into its pool's.
 * The capacity plan looks that far ahead on a ramp. Measured once per endpoint.
 */
export function noteAdmitted(endpoint: EndpointState, t: number): void {
  const took = t - endpoint.startedAt;
  endpoint.startedAt = Number.NaN;
  if (!Number.isFinite(took) || took < 0) return;
  const pool = endpoint.pool;
  pool.startupMs = ewma(Number.isNaN(pool.startupMs) ? undefined : pool.startupMs, took, 0.3);
}
