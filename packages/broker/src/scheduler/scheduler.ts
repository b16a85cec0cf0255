import type { BrokerPool, PlacementPolicy } from '@splitflow/contract';
import { costUsd, ewma, type Priority, SplitflowError, transferMs, type WorkEstimate } from '@splitflow/contract';
import { batchBucket, createPoolState, type EndpointState, type ModelLoad, modelLoad, type PoolState } from './pool-state.js';
import { DEFAULT_SPREAD_HALF_LIFE_MS, learn, learnFinish, seedMs, serviceFrom, spreadFrom } from './service-model.js';

/** What the scheduler needs to know of one request; computed once, before any pool is looked at. */
export interface PlacementRequest {
  model: string;
  work: WorkEstimate;
  /** Size of the batch dim (1 when the model has none). */
  batch: number;
  /** Request plus expected response bytes, for the transfer term. */
  bytes: number;
  priority: Priority;
  /** Time left until the deadline, ms. */
  deadlineMs: number;
  /** A deadline the client named: missing it is refused. A default deadline only steers. */
  hardDeadline: boolean;
  /** Endpoints that already failed this request. */
  exclude?: ReadonlySet<EndpointState>;
}

/**
 * `cheapest-meeting-deadline`: its tail (about p90) finish meets the deadline. `-on-mean`: no pool's tail
 * does, so the cheapest whose mean finish does, as before the spread was learned.
 */
export const DECISION_REASONS = [
  'cheapest-meeting-deadline',
  'cheapest-meeting-deadline-on-mean',
  'fastest-missing-deadline',
  'cheapest-with-capacity',
  'round-robin',
  'least-outstanding',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export interface Decision {
  pool: PoolState;
  endpoint: EndpointState;
  reason: DecisionReason;
  /** Expected finish: wait + service + transfer, ms. */
  expectedMs: number;
  /** Tail (about p90) finish: expected plus the learned tail, ms; equal to `expectedMs` until observed. */
  tailMs: number;
  waitMs: number;
  serviceMs: number;
  transferMs: number;
  /** The roofline seed of the service time, kept so the measurement can correct it. */
  seedMs: number;
  costUsd: number;
  /** The model's load at the chosen pool, counted in `begin` and `end`. */
  modelLoad: ModelLoad;
}

export interface SchedulerOptions {
  /** A reported queue depth older than this is ignored. @default 2000 */
  freshnessMs?: number;
  /** @default performance.now */
  now?: () => number;
  /** Uniform in [0, 1). @default a seeded xorshift (fast and reproducible) */
  random?: () => number;
  /** The learned tail (about p90 of recent overshoots) times this is added to the mean finish for the deadline test; 0 decides on the mean. @default 1 */
  tailScale?: number;
  /** A learned spread halves every this many ms without a new observation. @default 1000 */
  spreadHalfLifeMs?: number;
  /** `cost-deadline`: Splitflow's scheduler; the others spread over endpoints blind to cost and deadline. @default 'cost-deadline' */
  policy?: PlacementPolicy;
}

/** What an endpoint said about itself on an answer (OIP parameters or headers of our worker). */
export interface Observation {
  computeMs?: number;
  queueDepth?: number;
  /** Time from sending to the answer as the broker measured it (queueing included), ms. */
  latencyMs?: number;
  /** Rows in the run that answered (more than the request's own when the endpoint merged requests). */
  batchSize?: number;
  /** Requests of this model waiting at the endpoint, all clients' (our worker reports it). */
  modelQueueDepth?: number;
}

export interface Scheduler {
  readonly pools: readonly PoolState[];
  /** Pools configured to serve a model (healthy or not). */
  poolsFor(model: string): readonly PoolState[];
  /** Picks a pool and an endpoint, or throws DEADLINE_UNMEETABLE, OVERLOADED or NO_CAPACITY. */
  decide(request: PlacementRequest): Decision;
  /** Counts the decision's work as in flight at its endpoint. */
  begin(decision: Decision): void;
  /** Ends it; a measured compute time trains the pool's service model. */
  end(decision: Decision, model: string, batch: number, observation?: Observation): void;
}

function xorshift(seed = 0x9e3779b9): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** When every pool serving the model is too small for the request, the error that says so (a smaller batch may fit). */
function fitsNowhere(request: PlacementRequest, candidates: readonly PoolState[]): SplitflowError | undefined {
  const largest = Math.max(...candidates.map((p) => p.memoryBytes));
  if (!(request.work.bytes > largest)) return undefined;
  const gib = (b: number) => (b / 2 ** 30).toFixed(2);
  return new SplitflowError('INVALID_REQUEST', {
    message: `"${request.model}" at batch ${request.batch} needs ${gib(request.work.bytes)} GiB, more than any pool serving it has (largest: ${gib(largest)} GiB)`,
    details: { model: request.model, batch: request.batch, neededBytes: request.work.bytes, largestBytes: largest },
  });
}

const SPOT_LAST = [false, true];
const ALL_AT_ONCE = [true];

const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const noHealthyEndpoint = (model: string) => new SplitflowError('NO_CAPACITY', { message: `no healthy endpoint serves model "${model}"`, retryAfterS: 1 });
const everyPoolAtBound = (model: string) =>
  new SplitflowError('OVERLOADED', { message: `every pool serving "${model}" is at its queue bound`, retryAfterS: 1 });

export function createScheduler(configs: readonly BrokerPool[], options: SchedulerOptions = {}): Scheduler {
  const pools = configs.map(createPoolState);
  const freshnessMs = options.freshnessMs ?? 2000;
  const now = options.now ?? (() => performance.now());
  const random = options.random ?? xorshift();
  const tailScale = options.tailScale ?? 1;
  const halfLifeMs = options.spreadHalfLifeMs ?? DEFAULT_SPREAD_HALF_LIFE_MS;
  const policy = options.policy ?? 'cost-deadline';
  const byModel = new Map<string, PoolState[]>();
  for (const pool of pools) {
    for (const model of pool.models) {
      const list = byModel.get(model) ?? [];
      list.push(pool);
      byModel.set(model, list);
    }
  }
  const none: readonly PoolState[] = [];
  const withSpot = new Set([...byModel].filter(([, list]) => list.some((p) => p.preemptible)).map(([model]) => model));

  /** Queue depth the pool's endpoints reported recently, summed: work of other clients included. */
  function reportedDepth(pool: PoolState, t: number): number {
    let depth = 0;
    for (const e of pool.endpoints) if (e.healthy && t - e.reportedAt <= freshnessMs) depth += e.reportedDepth;
    return depth;
  }

  /**
   * Expected wait before a new request starts on the pool: none while a slot is free, then the work
   * of its model ahead of it spread over the pool's slots. Each model queues on its own at our workers,
   * so only the model's own requests count (others' runs slow its service, which is learned). The load
   * is the larger of what this broker has in flight and what the endpoints last reported, so work from
   * other brokers or clients counts too: the model's own queue where the endpoint reports it (our worker
   * does), else its total counted as this model's (the worst case: such a report does not say whose).
   * The new request starts after `load - slots + 1` of the requests ahead finish, each taking their mean
   * service time. They leave `slots` at a time, or `requestsPerRun` per endpoint where the endpoints
   * merge more than that into one run; not both multiplied: a worker that merges the requests in its
   * slots into one run serves them at once, which is what `requestsPerRun` measures (dividing by both
   * made the wait too short by up to the slots per endpoint, and hard deadlines were admitted that could not be met).
   * The new request's own size says nothing about when it starts, so a heavy request behind light ones
   * is not made to wait as if they were all as heavy as it.
   */
  function waitMs(pool: PoolState, load: ModelLoad, service: number, t: number): number {
    const slots = pool.healthyCount * pool.maxConcurrency;
    // Endpoints that say how much of this model waits (ours) let other brokers' work of the model count
    // as what it is; others only give a total, counted as this model's.
    let modelDepth = 0;
    let modelReports = 0;
    for (const e of pool.endpoints) {
      if (!e.healthy || t - (load.reportedAt[e.index] as number) > freshnessMs) continue;
      modelDepth += load.reportedDepth[e.index] as number;
      modelReports++;
    }
    const others = modelReports > 0 ? Math.max(0, modelDepth - load.outstanding) : Math.max(0, reportedDepth(pool, t) - pool.outstanding);
    const ahead = load.outstanding + others;
    if (ahead < slots) return 0;
    const aheadMs = load.outstandingMs + others * service;
    return ((ahead - slots + 1) * (aheadMs / ahead)) / Math.max(slots, pool.healthyCount * load.requestsPerRun);
  }

  /**
   * Power of two choices on outstanding requests among the pool's usable endpoints: this broker's and,
   * from fresh reports, other clients' queued ones. Counted in requests, not in milliseconds of work:
   * our workers run models side by side, so an endpoint busy with a few long batch runs still takes
   * short interactive work, and weighing by milliseconds piles the interactive classes on the other
   * endpoint.
   */
  function pickEndpoint(pool: PoolState, exclude: ReadonlySet<EndpointState> | undefined, t: number): EndpointState | undefined {
    const usable: EndpointState[] = [];
    for (const e of pool.endpoints) if (e.healthy && !exclude?.has(e)) usable.push(e);
    if (usable.length <= 1) return usable[0];
    const i = Math.floor(random() * usable.length);
    let j = Math.floor(random() * (usable.length - 1));
    if (j >= i) j++;
    const a = usable[i] as EndpointState;
    const b = usable[j] as EndpointState;
    const load = (e: EndpointState) => e.outstanding + (t - e.reportedAt <= freshnessMs ? Math.max(0, e.reportedDepth - e.outstanding) : 0);
    return load(b) < load(a) ? b : a;
  }

  function hasUsable(pool: PoolState, exclude: ReadonlySet<EndpointState> | undefined): boolean {
    if (pool.healthyCount === 0) return false;
    if (exclude === undefined || exclude.size === 0) return true;
    for (const e of pool.endpoints) if (e.healthy && !exclude.has(e)) return true;
    return false;
  }

  /**
   * The yardstick policies of a plain load balancer: every usable endpoint of the pools serving the
   * model (healthy, not excluded, pool under its bound), in turn or by fewest requests outstanding
   * (ties to the first), blind to cost and deadline. Never refuses while one has room.
   */
  let turn = 0;
  function balance(request: PlacementRequest, candidates: readonly PoolState[], reason: 'round-robin' | 'least-outstanding'): Decision {
    const usable: EndpointState[] = [];
    let healthy = 0;
    for (const pool of candidates) {
      if (!hasUsable(pool, request.exclude) || request.work.bytes > pool.memoryBytes) continue;
      healthy++;
      if (pool.outstanding >= pool.healthyCount * pool.maxConcurrency + pool.maxQueue) continue;
      for (const e of pool.endpoints) if (e.healthy && !request.exclude?.has(e)) usable.push(e);
    }
    if (healthy === 0) throw fitsNowhere(request, candidates) ?? noHealthyEndpoint(request.model);
    if (usable.length === 0) throw everyPoolAtBound(request.model);
    let endpoint = usable[0] as EndpointState;
    if (reason === 'round-robin') endpoint = usable[turn++ % usable.length] as EndpointState;
    else for (const e of usable) if (e.outstanding < endpoint.outstanding) endpoint = e;
    const pool = endpoint.pool;
    const t = now();
    const bucket = batchBucket(request.batch);
    const seed = seedMs(pool, request.work);
    const service = serviceFrom(pool.learned.get(request.model), bucket, seed);
    const load = modelLoad(pool, request.model);
    const wait = waitMs(pool, load, service, t);
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
      seedMs: seed,
      costUsd: costUsd(pool.costPerHour, service / load.requestsPerRun, pool.maxConcurrency),
      modelLoad: load,
    };
  }

  function decide(request: PlacementRequest): Decision {
    const candidates = byModel.get(request.model) ?? none;
    if (policy !== 'cost-deadline' && candidates.length > 0) return balance(request, candidates, policy);
    if (candidates.length === 0)
      throw new SplitflowError('MODEL_NOT_FOUND', { message: `no pool serves model "${request.model}"`, details: { model: request.model } });
    const t = now();
    const bucket = batchBucket(request.batch);
    // Cheapest whose tail finish meets the deadline; failing that, cheapest whose mean finish does.
    let cheapest: PoolState | undefined;
    let cheapestCost = Number.POSITIVE_INFINITY;
    let cheapestFinish = Number.POSITIVE_INFINITY;
    let onMean: PoolState | undefined;
    let onMeanCost = Number.POSITIVE_INFINITY;
    let onMeanFinish = Number.POSITIVE_INFINITY;
    // Batch work: the cheapest pool with capacity whatever its finish (it may wait).
    let anyPool: PoolState | undefined;
    let anyCost = Number.POSITIVE_INFINITY;
    let anyFinish = Number.POSITIVE_INFINITY;
    let fastest: PoolState | undefined;
    let fastestFinish = Number.POSITIVE_INFINITY;
    let usable = 0;
    let full = 0;
    const interactive = request.priority === 'interactive';
    // Scratch per candidate, so the winner's numbers need no second pass.
    let best = { wait: 0, service: 0, transfer: 0, seed: 0, cost: 0, spread: 0 };
    let fast = best;
    let any = best;
    let mean = best;
    // Interactive work looks at spot pools only when no other pool meets its deadline.
    const passes = interactive && withSpot.has(request.model) ? SPOT_LAST : ALL_AT_ONCE;
    for (const spot of passes) {
      if (spot && passes.length > 1) {
        cheapestCost = Number.POSITIVE_INFINITY;
        cheapestFinish = Number.POSITIVE_INFINITY;
        onMeanCost = Number.POSITIVE_INFINITY;
        onMeanFinish = Number.POSITIVE_INFINITY;
        anyCost = Number.POSITIVE_INFINITY;
        anyFinish = Number.POSITIVE_INFINITY;
        fastestFinish = Number.POSITIVE_INFINITY;
        usable = 0;
        full = 0;
        best = { wait: 0, service: 0, transfer: 0, seed: 0, cost: 0, spread: 0 };
        fast = best;
        any = best;
        mean = best;
      }
      for (const pool of candidates) {
        if (!hasUsable(pool, request.exclude)) continue;
        if (pool.preemptible && !spot) continue;
        if (request.work.bytes > pool.memoryBytes) continue;
        usable++;
        if (pool.outstanding >= pool.healthyCount * pool.maxConcurrency + pool.maxQueue) {
          full++;
          continue;
        }
        const seed = seedMs(pool, request.work);
        const learned = pool.learned.get(request.model);
        const service = serviceFrom(learned, bucket, seed);
        const load = modelLoad(pool, request.model);
        const wait = waitMs(pool, load, service, t);
        const transfer = transferMs(request.bytes, pool.link);
        const finish = wait + service + transfer;
        const spread = spreadFrom(learned, bucket, seed, t, tailScale, halfLifeMs);
        const tail = finish + spread;
        // A merged run is shared by the requests in it: each pays its part.
        const cost = costUsd(pool.costPerHour, service / load.requestsPerRun, pool.maxConcurrency);
        if (finish < fastestFinish) {
          fastest = pool;
          fastestFinish = finish;
          fast = { wait, service, transfer, seed, cost, spread };
        }
        if (tail <= request.deadlineMs && (cost < cheapestCost || (cost === cheapestCost && tail < cheapestFinish))) {
          cheapest = pool;
          cheapestCost = cost;
          cheapestFinish = tail;
          best = { wait, service, transfer, seed, cost, spread };
        }
        if (finish <= request.deadlineMs && (cost < onMeanCost || (cost === onMeanCost && finish < onMeanFinish))) {
          onMean = pool;
          onMeanCost = cost;
          onMeanFinish = finish;
          mean = { wait, service, transfer, seed, cost, spread };
        }
        if (!interactive && (cost < anyCost || (cost === anyCost && finish < anyFinish))) {
          anyPool = pool;
          anyCost = cost;
          anyFinish = finish;
          any = { wait, service, transfer, seed, cost, spread };
        }
      }
      if (cheapest !== undefined || onMean !== undefined) break;
    }
    if (usable === 0) throw fitsNowhere(request, candidates) ?? noHealthyEndpoint(request.model);
    if (usable === full) throw everyPoolAtBound(request.model);
    let pool: PoolState;
    let numbers: typeof best;
    let reason: DecisionReason;
    if (cheapest !== undefined && (interactive || request.hardDeadline)) {
      // Batch work with a deadline the client named may wait, but not past it while another pool can make it.
      pool = cheapest;
      numbers = best;
      reason = 'cheapest-meeting-deadline';
    } else if (onMean !== undefined && (interactive || request.hardDeadline)) {
      // No pool is likely enough to make it; keep the mean-based choice rather than refuse more.
      pool = onMean;
      numbers = mean;
      reason = 'cheapest-meeting-deadline-on-mean';
    } else if (anyPool !== undefined) {
      pool = anyPool;
      numbers = any;
      reason = 'cheapest-with-capacity';
    } else {
      const f = fastest as PoolState;
      if (request.hardDeadline) {
        throw new SplitflowError('DEADLINE_UNMEETABLE', {
          message: `no pool can finish "${request.model}" within ${round(request.deadlineMs)} ms; the fastest (${f.name}) expects ${round(fastestFinish)} ms`,
          details: { model: request.model, deadlineMs: round(request.deadlineMs), expectedMs: round(fastestFinish), pool: f.name },
          retryAfterS: retryAfter(fast.wait),
        });
      }
      pool = f;
      numbers = fast;
      reason = 'fastest-missing-deadline';
    }
    const endpoint = pickEndpoint(pool, request.exclude, t) as EndpointState;
    return {
      pool,
      endpoint,
      reason,
      expectedMs: numbers.wait + numbers.service + numbers.transfer,
      tailMs: numbers.wait + numbers.service + numbers.transfer + numbers.spread,
      waitMs: numbers.wait,
      serviceMs: numbers.service,
      transferMs: numbers.transfer,
      seedMs: numbers.seed,
      costUsd: numbers.cost,
      modelLoad: modelLoad(pool, request.model),
    };
  }

  function begin(d: Decision): void {
    d.endpoint.outstanding++;
    d.endpoint.outstandingMs += d.serviceMs;
    d.pool.outstanding++;
    d.pool.outstandingMs += d.serviceMs;
    d.modelLoad.outstanding++;
    d.modelLoad.outstandingMs += d.serviceMs;
  }

  function end(d: Decision, model: string, batch: number, observation?: Observation): void {
    d.endpoint.outstanding--;
    d.endpoint.outstandingMs = d.endpoint.outstanding === 0 ? 0 : Math.max(0, d.endpoint.outstandingMs - d.serviceMs);
    d.pool.outstanding--;
    d.pool.outstandingMs = d.pool.outstanding === 0 ? 0 : Math.max(0, d.pool.outstandingMs - d.serviceMs);
    const load = d.modelLoad;
    load.outstanding--;
    load.outstandingMs = load.outstanding === 0 ? 0 : Math.max(0, load.outstandingMs - d.serviceMs);
    if (observation?.batchSize !== undefined && observation.batchSize >= batch && batch >= 1) {
      load.requestsPerRun = ewma(load.requestsPerRun, observation.batchSize / batch, 0.2);
    }
    if (observation?.computeMs !== undefined || observation?.latencyMs !== undefined) {
      const t = now();
      if (observation.computeMs !== undefined) learn(d.pool, model, batch, d.seedMs, observation.computeMs, undefined, t);
      if (observation.latencyMs !== undefined) learnFinish(d.pool, model, batch, d.expectedMs, observation.latencyMs, t);
    }
    if (observation?.queueDepth !== undefined) {
      d.endpoint.reportedDepth = observation.queueDepth;
      d.endpoint.reportedAt = now();
    }
    if (observation?.modelQueueDepth !== undefined) {
      load.reportedDepth[d.endpoint.index] = observation.modelQueueDepth;
      load.reportedAt[d.endpoint.index] = now();
    }
  }

  return { pools, poolsFor: (model) => byModel.get(model) ?? none, decide, begin, end };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
