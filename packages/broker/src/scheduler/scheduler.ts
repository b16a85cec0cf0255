import type { BrokerPool, PlacementPolicy } from '@splitflow/contract';
import { ewma, type Priority, type WorkEstimate } from '@splitflow/contract';
import { createBalancePlacement } from './balance-placement.js';
import { learnLoad } from './cold-load.js';
import { createCostDeadlinePlacement } from './cost-deadline-placement.js';
import { noPoolServes } from './placement-errors.js';
import type { PlacementStrategy } from './placement-strategy.js';
import type { EstimateContext } from './pool-estimate.js';
import { createPoolState, DEFAULT_FRESHNESS_MS, type EndpointState, type ModelLoad, type PoolState, setLoaded } from './pool-state.js';
import { DEFAULT_SPREAD_HALF_LIFE_MS, learn, learnFinish } from './service-model.js';

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
  /** Expected finish: wait + cold load + service + transfer, ms. */
  expectedMs: number;
  /** Tail (about p90) finish: expected plus the learned tail, ms; equal to `expectedMs` until observed. */
  tailMs: number;
  waitMs: number;
  serviceMs: number;
  transferMs: number;
  /** Time for the model to load at the endpoint first (0 where it is in memory), ms. */
  coldLoadMs: number;
  /** The roofline seed of the service time, kept so the measurement can correct it. */
  seedMs: number;
  costUsd: number;
  /** The model's load at the chosen pool, counted in `begin` and `end`. */
  modelLoad: ModelLoad;
  /** The request's class: batch work is counted apart, since our workers run interactive work ahead of it. */
  priority: Priority;
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
  /** Time the request waited for the model to load there, ms (our worker reports it). */
  loadMs?: number;
  /** The models in memory at the endpoint (our worker reports it when it loads models on demand). */
  loadedModels?: string[];
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

/** The placement strategy a policy names. */
function strategyFor(policy: PlacementPolicy, ctx: EstimateContext, pools: readonly PoolState[]): PlacementStrategy {
  if (policy === 'round-robin' || policy === 'least-outstanding') return createBalancePlacement(ctx, policy);
  const spotModels = new Set(pools.filter((p) => p.preemptible).flatMap((p) => [...p.models]));
  return createCostDeadlinePlacement(ctx, spotModels);
}

/**
 * Whether this answer is one of the first few of an endpoint that joined a pool which has learned the
 * model already. A process that has just started runs its first requests slowly (sessions allocate,
 * caches and JIT warm, a GPU compiles its shaders); folded into the pool's times, those answers would
 * raise the learned service and its tail for every endpoint of the pool, and interactive work would
 * be refused for a while after each scale-up. So a joiner is estimated at the pool's learned times,
 * and its first answers, one per slot it offers (at least two), do not train them. A pool that has
 * learned nothing yet learns from every answer, as before.
 */
function warmingUp(d: Decision, model: string): boolean {
  // Warm-up answers left; set at the endpoint's first answer of the model, by what the pool knew then.
  const left = d.endpoint.warmUpLeft.get(model) ?? (d.pool.learned.has(model) ? Math.max(2, d.pool.maxConcurrency) : 0);
  d.endpoint.warmUpLeft.set(model, Math.max(0, left - 1));
  return left > 0;
}

/** Weight of each new busy interval in the drain rate. */
const DRAIN_ALPHA = 0.1;

export function createScheduler(configs: readonly BrokerPool[], options: SchedulerOptions = {}): Scheduler {
  const freshnessMs = options.freshnessMs ?? DEFAULT_FRESHNESS_MS;
  const pools = configs.map((c) => createPoolState(c, freshnessMs));
  const now = options.now ?? (() => performance.now());
  const ctx: EstimateContext = {
    now,
    random: options.random ?? xorshift(),
    tailScale: options.tailScale ?? 1,
    spreadHalfLifeMs: options.spreadHalfLifeMs ?? DEFAULT_SPREAD_HALF_LIFE_MS,
  };
  const byModel = new Map<string, PoolState[]>();
  for (const pool of pools) {
    for (const model of pool.models) {
      const list = byModel.get(model) ?? [];
      list.push(pool);
      byModel.set(model, list);
    }
  }
  const none: readonly PoolState[] = [];
  const strategy = strategyFor(options.policy ?? 'cost-deadline', ctx, pools);

  function decide(request: PlacementRequest): Decision {
    const candidates = byModel.get(request.model) ?? none;
    if (candidates.length === 0) throw noPoolServes(request.model);
    return strategy.decide(request, candidates);
  }

  function begin(d: Decision): void {
    if (d.modelLoad.outstanding === 0) d.modelLoad.busySince = now();
    d.endpoint.outstanding++;
    d.endpoint.outstandingMs += d.serviceMs;
    d.pool.outstanding++;
    d.pool.outstandingMs += d.serviceMs;
    const load = d.modelLoad;
    load.outstanding++;
    load.outstandingMs += d.serviceMs;
    if (d.priority === 'batch') {
      load.batchOutstanding++;
      load.batchOutstandingMs += d.serviceMs;
    }
    // The model starts loading there now: the next requests count what is left of the load, not all of it.
    if (!load.warm.has(d.endpoint) && !load.loading.has(d.endpoint)) load.loading.set(d.endpoint, now() + d.coldLoadMs);
  }

  function end(d: Decision, model: string, batch: number, observation?: Observation): void {
    d.endpoint.outstanding--;
    d.endpoint.outstandingMs = d.endpoint.outstanding === 0 ? 0 : Math.max(0, d.endpoint.outstandingMs - d.serviceMs);
    d.pool.outstanding--;
    d.pool.outstandingMs = d.pool.outstanding === 0 ? 0 : Math.max(0, d.pool.outstandingMs - d.serviceMs);
    const load = d.modelLoad;
    load.outstanding--;
    load.outstandingMs = load.outstanding === 0 ? 0 : Math.max(0, load.outstandingMs - d.serviceMs);
    if (d.priority === 'batch') {
      load.batchOutstanding--;
      load.batchOutstandingMs = load.batchOutstanding === 0 ? 0 : Math.max(0, load.batchOutstandingMs - d.serviceMs);
    }
    // No answer: whether the load happened is unknown; the next answer from there will say.
    if (observation === undefined) {
      load.loading.delete(d.endpoint);
      return;
    }
    if (observation.batchSize !== undefined && observation.batchSize >= batch && batch >= 1) {
      load.requestsPerRun = ewma(load.requestsPerRun, observation.batchSize / batch, 0.2);
    }
    const t = now();
    // A busy interval: others were in flight at this answer, and since the last one (or since the
    // model got work, if it was idle then). Idle time between answers says nothing of the drain rate.
    // Other clients' requests of the model are served between ours: where the endpoint says the
    // model's queue, ours were about our share of it, and the pool served the rest in the same time.
    if (observation.computeMs !== undefined || observation.latencyMs !== undefined) {
      if (load.outstanding > 0) {
        const interval = t - Math.max(load.lastDoneAt, load.busySince);
        const queued = observation.modelQueueDepth;
        const share = queued === undefined || queued <= load.outstanding ? 1 : load.outstanding / queued;
        if (interval >= 0 && Number.isFinite(interval)) {
          load.drainMs = ewma(Number.isNaN(load.drainMs) ? undefined : load.drainMs, interval * share, DRAIN_ALPHA);
          load.drainSamples++;
        }
      }
      load.lastDoneAt = t;
    }
    const joining = warmingUp(d, model);
    if (observation.computeMs !== undefined && !joining) learn(d.pool, model, batch, d.seedMs, observation.computeMs, undefined, t, ctx.spreadHalfLifeMs);
    // The load's own time is learned apart; the finish tail is the error left once it is counted.
    if (observation.latencyMs !== undefined && !joining)
      learnFinish(d.pool, model, batch, d.expectedMs - d.coldLoadMs, observation.latencyMs - (observation.loadMs ?? 0), t, ctx.spreadHalfLifeMs);
    if (observation.loadMs !== undefined) learnLoad(load, observation.loadMs);
    if (observation.loadedModels !== undefined) setLoaded(d.endpoint, observation.loadedModels);
    if (observation.queueDepth !== undefined) {
      d.endpoint.reportedDepth = observation.queueDepth;
      d.endpoint.reportedAt = t;
    }
    // An endpoint that says each model's queue (our worker) is never counted by its total: other models'
    // queues are not ahead of a request there, and the total, kept fresh by their answers, would stand
    // in for a model whose own report lapsed while it was refused, and keep it refused.
    if (observation.modelQueueDepth !== undefined) {
      d.pool.reports.forget(d.endpoint.index);
      if (d.endpoint.healthy) load.reports.report(d.endpoint.index, observation.modelQueueDepth, t);
    } else if (observation.queueDepth !== undefined && d.endpoint.healthy) d.pool.reports.report(d.endpoint.index, observation.queueDepth, t);
  }

  return { pools, poolsFor: (model) => byModel.get(model) ?? none, decide, begin, end };
}
