import { costUsd, transferMs } from '@splitflow/contract';
import { atBound, everyPoolAtBound, fitsNowhere, noHealthyEndpoint } from './placement-errors.js';
import type { PlacementStrategy } from './placement-strategy.js';
import { type EstimateContext, usableIn, waitMs } from './pool-estimate.js';
import { batchBucket, type EndpointState, modelLoad, type PoolState } from './pool-state.js';
import type { Decision, PlacementRequest } from './scheduler.js';
import { seedMs } from './service-model.js';

/**
 * The yardstick policies of a plain load balancer: every usable endpoint of the pools serving the
 * model (healthy, not excluded, pool under its bound), in turn or by fewest requests outstanding
 * (ties to the first), blind to cost, deadline and which models are in memory. Never refuses while one
 * has room. They walk every endpoint, as such balancers do; they are here to be measured against.
 */
export function createBalancePlacement(ctx: EstimateContext, reason: 'round-robin' | 'least-outstanding'): PlacementStrategy {
  let turn = 0;
  return {
    decide(request: PlacementRequest, candidates: readonly PoolState[]): Decision {
      const usable: EndpointState[] = [];
      let healthy = 0;
      for (const pool of candidates) {
        if (usableIn(pool.healthy, request.exclude) === 0 || request.work.bytes > pool.memoryBytes) continue;
        healthy++;
        if (atBound(pool)) continue;
        for (const e of pool.endpoints) if (e.healthy && !request.exclude?.has(e)) usable.push(e);
      }
      if (healthy === 0) throw fitsNowhere(request, candidates) ?? noHealthyEndpoint(request.model);
      if (usable.length === 0) throw everyPoolAtBound(request.model);
      let endpoint = usable[0] as EndpointState;
      if (reason === 'round-robin') endpoint = usable[turn++ % usable.length] as EndpointState;
      else for (const e of usable) if (e.outstanding < endpoint.outstanding) endpoint = e;
      const pool = endpoint.pool;
      const t = ctx.now();
      const seed = seedMs(pool, request.work);
      const service = pool.learned.get(request.model)?.serviceMs(batchBucket(request.batch), seed) ?? seed;
      const load = modelLoad(pool, request.model);
      const wait = waitMs(pool, load, service, pool.healthyCount, t, request.priority);
      const transfer = transferMs(request.bytes, pool.link);
      return {
        pool,
        endpoint,
        reason,
        expectedMs: wait + service + transfer,
        tailMs: wait + service + transfer,
        waitMs: wait,
        serviceMs: service,
        transferMs: transfer,
        coldLoadMs: 0,
        seedMs: seed,
        costUsd: costUsd(pool.costPerHour, service / load.requestsPerRun, pool.maxConcurrency),
        modelLoad: load,
        priority: request.priority,
      };
    },
  };
}
