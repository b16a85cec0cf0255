import { SplitflowError } from '@splitflow/contract';
import { atBound, everyPoolAtBound, fitsNowhere, noHealthyEndpoint, retryAfter, round } from './placement-errors.js';
import type { PlacementStrategy } from './placement-strategy.js';
import { type EstimateContext, endpointFor, estimatePool, type PoolEstimate } from './pool-estimate.js';
import { batchBucket, type PoolState } from './pool-state.js';
import type { Decision, DecisionReason, PlacementRequest } from './scheduler.js';

/** The best pools of one look at the candidates, by each of the criteria the choice falls back through. */
interface Ranking {
  /** Cheapest whose tail (about p90) finish meets the deadline. */
  cheapest: PoolEstimate | undefined;
  /** Cheapest whose mean finish meets it. */
  onMean: PoolEstimate | undefined;
  /** Cheapest with capacity whatever its finish (batch work may wait). */
  any: PoolEstimate | undefined;
  fastest: PoolEstimate | undefined;
  /** Pools that could take the request (healthy endpoints it has not failed at, big enough). */
  usable: number;
  /** Of those, pools at their bound. */
  full: number;
}

/** Cheaper wins; at equal cost, the sooner `by` finish. */
const better = (a: PoolEstimate, b: PoolEstimate | undefined, by: 'tail' | 'finish') =>
  b === undefined || a.cost < b.cost || (a.cost === b.cost && a[by] < b[by]);

function rank(ctx: EstimateContext, request: PlacementRequest, candidates: readonly PoolState[], spot: boolean, t: number): Ranking {
  const r: Ranking = { cheapest: undefined, onMean: undefined, any: undefined, fastest: undefined, usable: 0, full: 0 };
  const bucket = batchBucket(request.batch);
  const interactive = request.priority === 'interactive';
  for (const pool of candidates) {
    if (pool.preemptible && !spot) continue;
    if (request.work.bytes > pool.memoryBytes) continue;
    const e = estimatePool(ctx, pool, request, bucket, t);
    if (e === undefined) continue;
    r.usable++;
    if (atBound(pool)) {
      r.full++;
      continue;
    }
    if (r.fastest === undefined || e.finish < r.fastest.finish) r.fastest = e;
    if (e.tail <= request.deadlineMs && better(e, r.cheapest, 'tail')) r.cheapest = e;
    if (e.finish <= request.deadlineMs && better(e, r.onMean, 'finish')) r.onMean = e;
    if (!interactive && better(e, r.any, 'finish')) r.any = e;
  }
  return r;
}

/** The pool the ranking gives, and why; DEADLINE_UNMEETABLE when the client's own deadline cannot be met. */
function choose(request: PlacementRequest, r: Ranking): { estimate: PoolEstimate; reason: DecisionReason } {
  const bound = request.priority === 'interactive' || request.hardDeadline;
  // Batch work with a deadline the client named may wait, but not past it while another pool can make it.
  if (r.cheapest && bound) return { estimate: r.cheapest, reason: 'cheapest-meeting-deadline' };
  // No pool is likely enough to make it. A default deadline only steers, and batch work may wait: the
  // mean decides. An interactive deadline the client named is held by the tail: what is admitted must
  // finish in time, not on average (it is refused with Retry-After instead).
  const onMeanToo = request.priority === 'interactive' ? !request.hardDeadline : request.hardDeadline;
  if (r.onMean && onMeanToo) return { estimate: r.onMean, reason: 'cheapest-meeting-deadline-on-mean' };
  if (r.any) return { estimate: r.any, reason: 'cheapest-with-capacity' };
  const fastest = r.fastest as PoolEstimate;
  if (request.hardDeadline) {
    throw new SplitflowError('DEADLINE_UNMEETABLE', {
      message: `no pool can finish "${request.model}" within ${round(request.deadlineMs)} ms; the fastest (${fastest.pool.name}) expects ${round(fastest.finish)} ms`,
      details: {
        model: request.model,
        deadlineMs: round(request.deadlineMs),
        expectedMs: round(fastest.finish),
        waitMs: round(fastest.wait),
        pool: fastest.pool.name,
      },
      retryAfterS: retryAfter(fastest.wait + fastest.coldLoad),
    });
  }
  return { estimate: fastest, reason: 'fastest-missing-deadline' };
}

const SPOT_LAST = [false, true];
const ALL_AT_ONCE = [true];

/**
 * Splitflow's placement: the cheapest pool whose tail finish (wait, a cold load where the model is not
 * in memory, service, transfer, learned spread) meets the deadline; failing that, the cheapest whose
 * mean finish does; batch work without a named deadline goes to the cheapest with capacity; the rest
 * to the fastest, or DEADLINE_UNMEETABLE for a hard deadline. Interactive work looks at spot pools only
 * when no other pool meets its deadline. Per pool it costs the same whatever the pool's size: sums
 * kept as reports come, and two random draws for the endpoint.
 */
export function createCostDeadlinePlacement(ctx: EstimateContext, spotModels: ReadonlySet<string>): PlacementStrategy {
  return {
    decide(request: PlacementRequest, candidates: readonly PoolState[]): Decision {
      const t = ctx.now();
      const passes = request.priority === 'interactive' && spotModels.has(request.model) ? SPOT_LAST : ALL_AT_ONCE;
      let r: Ranking | undefined;
      for (const spot of passes) {
        r = rank(ctx, request, candidates, spot, t);
        if (r.cheapest !== undefined || r.onMean !== undefined) break;
      }
      const ranking = r as Ranking;
      if (ranking.usable === 0) throw fitsNowhere(request, candidates) ?? noHealthyEndpoint(request.model);
      if (ranking.usable === ranking.full) throw everyPoolAtBound(request.model);
      const { estimate: e, reason } = choose(request, ranking);
      const expected = e.wait + e.coldLoad + e.service + e.transfer;
      return {
        pool: e.pool,
        endpoint: endpointFor(e, request.exclude, ctx.random, t),
        reason,
        expectedMs: expected,
        tailMs: expected + e.spread,
        waitMs: e.wait,
        serviceMs: e.service,
        transferMs: e.transfer,
        coldLoadMs: e.coldLoad,
        seedMs: e.seed,
        costUsd: e.cost,
        modelLoad: e.load,
        priority: request.priority,
      };
    },
  };
}
