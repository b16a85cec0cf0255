import type { PoolState } from './pool-state.js';
import type { Decision, PlacementRequest } from './scheduler.js';

/**
 * How a request is placed among the pools that serve its model (never empty): Splitflow's
 * cost-and-deadline placement, or the yardsticks of a plain load balancer. Throws the typed refusal
 * (NO_CAPACITY, OVERLOADED, DEADLINE_UNMEETABLE, INVALID_REQUEST for a request that fits nowhere).
 */
export interface PlacementStrategy {
  decide(request: PlacementRequest, candidates: readonly PoolState[]): Decision;
}
