import { costUsd, type Priority, transferMs } from '@splitflow/contract';
import { coldLoadMs } from './cold-load.js';
import type { EndpointSet } from './endpoint-set.js';
import { type EndpointState, type ModelLoad, modelLoad, type PoolState } from './pool-state.js';
import type { PlacementRequest } from './scheduler.js';
import { seedMs } from './service-model.js';

/** What the scheduler's estimates need besides the pool: its clock, its dice and its settings. */
export interface EstimateContext {
  now(): number;
  random(): number;
  /** A learned tail times this is added to the mean finish for the deadline test. */
  tailScale: number;
  spreadHalfLifeMs: number;
}

/** One pool's numbers for one request, on the endpoints it would go to (warm ones, or one that must load the model). */
export interface PoolEstimate {
  pool: PoolState;
  load: ModelLoad;
  wait: number;
  service: number;
  transfer: number;
  /** The model's load time still ahead at the endpoint, ms (0 where it is in memory). */
  coldLoad: number;
  seed: number;
  cost: number;
  spread: number;
  /** wait + coldLoad + service + transfer */
  finish: number;
  /** finish + spread */
  tail: number;
  /** Send it where the model is not in memory: `loadingAt` when one is loading it already, else any such endpoint. */
  cold: boolean;
  loadingAt: EndpointState | undefined;
}

/** Members of the set the request may still go to: those it has not failed at. O(excluded), not O(set). */
export function usableIn(set: EndpointSet<EndpointState>, exclude: ReadonlySet<EndpointState> | undefined): number {
  if (exclude === undefined || exclude.size === 0) return set.size;
  let n = set.size;
  for (const e of exclude) if (set.has(e)) n--;
  return n;
}

/**
 * Expected wait before a new request starts on the pool's warm endpoints: none while a slot is free,
 * then the work of its model ahead of it spread over their slots. Each model queues on its own at our
 * workers, so only the model's own requests count (others' runs slow its service, which is learned).
 * The load is the larger of what this broker has in flight and what the endpoints reported lately, so
 * work from other brokers or clients counts too: the model's own queue where the endpoint reports it
 * (our worker does; with no fresh report of the model, only this broker's requests count there), else
 * its total counted as this model's (the worst case: such a report does not say whose). The new
 * request starts after `load - slots + 1` of the requests ahead finish, each taking their mean service
 * time. They leave `slots` at a time, or `requestsPerRun` per endpoint where the endpoints merge more
 * than that into one run; not both multiplied: a worker that merges the requests in its slots into one
 * run serves them at once, which is what `requestsPerRun` measures
 * (dividing by both makes the wait too short, and admits hard deadlines that cannot be met).
 * The new request's own size says nothing about when it starts. The reports are kept summed as they
 * come (fresh-reports.ts), so this costs the same for a pool of two endpoints or of a thousand.
 */
export function waitMs(pool: PoolState, load: ModelLoad, service: number, endpoints: number, t: number, priority: Priority = 'batch'): number {
  const slots = endpoints * pool.maxConcurrency;
  const others = load.reports.count(t) > 0 ? Math.max(0, load.reports.sum(t) - load.outstanding) : Math.max(0, pool.reports.sum(t) - pool.outstanding);
  // Our worker runs a model's interactive requests ahead of its batch ones and lets one batch-class run
  // go at a time: an interactive request waits for the interactive work ahead of it, on the slots that
  // batch runs do not hold (all of them busy: one batch run's time first). Foreign servers take
  // requests in arrival order, so there it waits behind everything.
  const first = priority === 'interactive' && pool.foreignEndpoints === 0 && load.batchOutstanding > 0;
  const own = first ? load.outstanding - load.batchOutstanding : load.outstanding;
  const ownMs = first ? load.outstandingMs - load.batchOutstandingMs : load.outstandingMs;
  const open = first ? slots - Math.min(load.batchOutstanding, endpoints) : slots;
  const behindBatch = open < 1 ? load.batchOutstandingMs / load.batchOutstanding : 0;
  const free = Math.max(1, open);
  const ahead = own + others;
  // What the pool has shown it drains: every request ahead leaves about one measured interval apart,
  // whatever its instances, merged runs or other clients' work make of the configured slots.
  const drained = load.drainSamples >= MIN_DRAIN_SAMPLES ? ahead * load.drainMs : 0;
  if (ahead < free) return behindBatch + drained;
  const aheadMs = ownMs + others * service;
  return behindBatch + Math.max(drained, ((ahead - free + 1) * (aheadMs / ahead)) / Math.max(free, endpoints * load.requestsPerRun));
}

/**
 * Busy intervals measured before the drain rate counts in the wait: a few answers are too few to tell a
 * merged run's burst from the pool's pace.
 */
export const MIN_DRAIN_SAMPLES = 8;

/** One object literal of one shape (no spreads, no closures): this runs per pool per decision. */
function makeEstimate(
  pool: PoolState,
  load: ModelLoad,
  wait: number,
  service: number,
  transfer: number,
  coldLoad: number,
  seed: number,
  cost: number,
  spread: number,
  cold: boolean,
  loadingAt: EndpointState | undefined,
): PoolEstimate {
  const finish = wait + coldLoad + service + transfer;
  return { pool, load, wait, service, transfer, coldLoad, seed, cost, spread, finish, tail: finish + spread, cold, loadingAt };
}

/**
 * The pool's estimate for the request. Where the model is in memory at a usable endpoint the request
 * goes there, unless that misses the deadline and loading it at another endpoint (the learned or
 * seeded load time, then an empty queue) makes it; a pool where no endpoint holds it pays the load.
 * Undefined when no endpoint of the pool may take it.
 */
export function estimatePool(ctx: EstimateContext, pool: PoolState, request: PlacementRequest, bucket: number, t: number): PoolEstimate | undefined {
  const load = modelLoad(pool, request.model);
  const warm = usableIn(load.warm, request.exclude);
  const healthy = usableIn(pool.healthy, request.exclude);
  if (healthy === 0) return undefined;
  const seed = seedMs(pool, request.work);
  const learned = pool.learned.get(request.model);
  const service = learned === undefined ? seed : learned.serviceMs(bucket, seed);
  const transfer = transferMs(request.bytes, pool.link);
  const spread = learned === undefined ? 0 : learned.spreadMs(bucket, seed, t, ctx.tailScale, ctx.spreadHalfLifeMs);
  // A merged run is shared by the requests in it: each pays its part. A load is not charged to the
  // request that triggers it: the model then serves every request after it.
  const cost = costUsd(pool.costPerHour, service / load.requestsPerRun, pool.maxConcurrency);

  let warmEstimate: PoolEstimate | undefined;
  if (warm > 0) {
    warmEstimate = makeEstimate(
      pool,
      load,
      waitMs(pool, load, service, load.warm.size, t, request.priority),
      service,
      transfer,
      0,
      seed,
      cost,
      spread,
      false,
      undefined,
    );
    if (warm === healthy || warmEstimate.tail <= request.deadlineMs) return warmEstimate;
  }
  // Cold: an endpoint already loading the model (the one done soonest), else a fresh load.
  let loadingAt: EndpointState | undefined;
  let coldLoad = coldLoadMs(load, request.work);
  for (const [e, until] of load.loading) {
    if (request.exclude?.has(e)) continue;
    const left = Math.max(0, until - t);
    if (left < coldLoad || loadingAt === undefined) {
      coldLoad = Math.min(coldLoad, left);
      loadingAt = e;
    }
  }
  const wait = loadingAt ? (Math.max(0, loadingAt.outstanding - pool.maxConcurrency + 1) * service) / pool.maxConcurrency : 0;
  const coldEstimate = makeEstimate(pool, load, wait, service, transfer, coldLoad, seed, cost, spread, true, loadingAt);
  if (warmEstimate === undefined || coldEstimate.tail <= request.deadlineMs || coldEstimate.finish < warmEstimate.finish) return coldEstimate;
  return warmEstimate;
}

/** Requests at the endpoint: this broker's, and from a fresh report, other clients' queued ones. */
function endpointLoad(e: EndpointState, t: number): number {
  return e.outstanding + (t - e.reportedAt <= e.pool.freshnessMs ? Math.max(0, e.reportedDepth - e.outstanding) : 0);
}

/**
 * Power of two random choices on outstanding requests among the set's members the request may go to
 * (and that `accept` admits): two draws, not a walk, so the choice costs the same among two endpoints
 * or a thousand; only when the draws keep hitting excluded members does it walk the set. Counted in
 * requests, not in milliseconds of work: our workers run models side by side, so an endpoint busy
 * with a few long batch runs still takes short interactive work, and weighing by milliseconds piles
 * the interactive classes on the other endpoint.
 */
export function pickEndpoint(
  set: EndpointSet<EndpointState>,
  exclude: ReadonlySet<EndpointState> | undefined,
  random: () => number,
  t: number,
  accept?: (e: EndpointState) => boolean,
): EndpointState | undefined {
  const n = set.size;
  if (n === 0) return undefined;
  const ok = (e: EndpointState) => !exclude?.has(e) && (accept === undefined || accept(e));
  if (n === 1) return ok(set.at(0)) ? set.at(0) : undefined;
  const i = Math.floor(random() * n);
  let j = Math.floor(random() * (n - 1));
  if (j >= i) j++;
  let a: EndpointState | undefined = set.at(i);
  let b: EndpointState | undefined = set.at(j);
  if (!ok(a)) a = undefined;
  if (!ok(b)) b = undefined;
  for (let tries = 0; tries < 8 && (a === undefined || b === undefined); tries++) {
    const e = set.at(Math.floor(random() * n));
    if (!ok(e) || e === a || e === b) continue;
    if (a === undefined) a = e;
    else b = e;
  }
  if (a === undefined && b === undefined) {
    for (const e of set) if (ok(e)) return e;
    return undefined;
  }
  if (a === undefined || b === undefined) return a ?? b;
  return endpointLoad(b, t) < endpointLoad(a, t) ? b : a;
}

/** The endpoint for an estimate: a warm one, the one loading the model, or one that will load it. */
export function endpointFor(estimate: PoolEstimate, exclude: ReadonlySet<EndpointState> | undefined, random: () => number, t: number): EndpointState {
  const { pool, load } = estimate;
  if (!estimate.cold) return pickEndpoint(load.warm, exclude, random, t) as EndpointState;
  if (estimate.loadingAt) return estimate.loadingAt;
  return (pickEndpoint(pool.healthy, exclude, random, t, (e) => !load.warm.has(e) && !load.loading.has(e)) ??
    pickEndpoint(pool.healthy, exclude, random, t)) as EndpointState;
}
