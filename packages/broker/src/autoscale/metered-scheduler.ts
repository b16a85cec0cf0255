import type { Priority } from '@splitflow/contract';
import type { PoolState } from '../scheduler/pool-state.js';
import type { Decision, Scheduler } from '../scheduler/scheduler.js';
import type { LoadMeter } from './load-meter.js';

/**
 * The pool whose plan a refusal counts in: the one the refusal names (the fastest for a missed
 * deadline), else the cheapest serving the model. Interactive work goes to spot pools only when no
 * other pool meets its deadline, so its unmet demand counts where it should have been served: the
 * cheapest pool that is not preemptible, unless the named one is not preemptible either.
 */
function refusedAt(pools: readonly PoolState[], priority: Priority, error: unknown): PoolState | undefined {
  const named = (error as { details?: { pool?: unknown } }).details?.pool;
  const eligible = priority === 'interactive' && pools.some((p) => !p.preemptible) ? pools.filter((p) => !p.preemptible) : pools;
  return eligible.find((p) => p.name === named) ?? [...eligible].sort((a, b) => a.costPerHour - b.costPerHour)[0];
}

/**
 * A deadline the fastest pool misses on its mean with nothing ahead of the request: no number of
 * replicas meets it, so it is no demand for capacity (else a client asking the impossible would scale
 * every pool to its maximum).
 */
function beyondCapacity(error: unknown): boolean {
  const details = (error as { code?: unknown; details?: { waitMs?: unknown; expectedMs?: unknown; deadlineMs?: unknown } }).details;
  return (
    (error as { code?: unknown }).code === 'DEADLINE_UNMEETABLE' &&
    details?.waitMs === 0 &&
    typeof details.expectedMs === 'number' &&
    typeof details.deadlineMs === 'number' &&
    details.expectedMs > details.deadlineMs
  );
}

/**
 * The scheduler, with every decision counted in a load meter: an arrival at the pool it picked, a
 * refusal at the pool that should have served it when it picked none (`refusedAt`), and the slot time
 * of each answer (a merged run's time shared by its rows); a refusal no capacity would have avoided
 * counts nowhere. Decisions are unchanged.
 */
export function withLoadMeter(scheduler: Scheduler, meter: LoadMeter): Scheduler {
  const priorities = new WeakMap<Decision, Priority>();
  return {
    pools: scheduler.pools,
    poolsFor: (model) => scheduler.poolsFor(model),
    decide(request) {
      let decision: Decision;
      try {
        decision = scheduler.decide(request);
      } catch (error) {
        // A retry that runs out of endpoints is not new demand; a first refusal is.
        if ((request.exclude === undefined || request.exclude.size === 0) && !beyondCapacity(error)) {
          const pool = refusedAt(scheduler.poolsFor(request.model), request.priority, error);
          if (pool) meter.refused(pool.name, request.priority);
        }
        throw error;
      }
      priorities.set(decision, request.priority);
      meter.arrived(decision.pool.name, request.priority);
      return decision;
    },
    begin: (decision) => scheduler.begin(decision),
    end(decision, model, batch, observation) {
      scheduler.end(decision, model, batch, observation);
      const priority = priorities.get(decision);
      if (priority === undefined || observation?.computeMs === undefined) return;
      const share = observation.batchSize !== undefined && observation.batchSize > batch ? batch / observation.batchSize : 1;
      meter.served(decision.pool.name, priority, observation.computeMs * share);
    },
  };
}
