import type { Priority } from '@splitflow/contract';
import type { Decision, Scheduler } from '../scheduler/scheduler.js';
import type { LoadMeter } from './load-meter.js';

/**
 * The scheduler, with every decision counted in a load meter: an arrival at the pool it picked, a
 * refusal at the cheapest pool serving the model when it picked none, and the slot time of each
 * answer (a merged run's time shared by its rows). Decisions are unchanged.
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
        if (request.exclude === undefined || request.exclude.size === 0) {
          const cheapest = [...scheduler.poolsFor(request.model)].sort((a, b) => a.costPerHour - b.costPerHour)[0];
          if (cheapest) meter.refused(cheapest.name, request.priority);
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
