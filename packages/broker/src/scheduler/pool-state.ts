import type { BrokerPool, EndpointKind, HardwareClass, LinkConfig, Throughput } from '@splitflow/contract';
import { createPoolAdapter } from '../pools/adapters.js';
import type { PoolAdapter } from '../pools/pool-adapter.js';
import { EndpointSet } from './endpoint-set.js';
import { FreshReports } from './fresh-reports.js';
import type { LearnedService } from './learned-service.js';

/**
 * Assumed speed per hardware class when a pool gives no `throughput`: the scheduler's prior until it
 * has measured the pool. GPU: the worker's webgpu provider with its default options on an H200 running
 * `large`, all three from apps/bench/results/gpu-h200-2026-11-30 (its profiles and gpu-bench.md): the
 * GPU's own Gemm time is 1.04 ms per run at batch 1, so `memoryGBps` 275 (286 MB of weights), and
 * 2.68 ms at batch 256, so `gflops` 13700; `fixedOverheadMs` is the rest of a 1.77 ms batch-1 run
 * (recording, submission, readback). The MatMul + Add file of v3 runs the same with those options
 * (apps/bench/results/gpu-h200-2026-11-30-c); a pool serving it kept MatMul (`--model-session`) is
 * faster at batch 1 and should state its own `throughput`. CPU is a few cores; TPU is a guess, since
 * none is reachable here.
 */
export const DEFAULT_THROUGHPUT: Readonly<Record<HardwareClass, Throughput>> = Object.freeze({
  cpu: { gflops: 40, fixedOverheadMs: 0.05, memoryGBps: 20 },
  gpu: { gflops: 13700, fixedOverheadMs: 0.73, memoryGBps: 275 },
  tpu: { gflops: 20000, fixedOverheadMs: 1, memoryGBps: 800 },
});

/** Broker and pools on one host or one rack. */
export const LOOPBACK_LINK: Readonly<LinkConfig> = Object.freeze({ rttMs: 0.1, mbps: 10_000 });

/** Bounded queue per pool when the config names none: requests beyond the pool's slots. */
export const DEFAULT_MAX_QUEUE = 256;

/** Batch sizes share a learned service time per power of two: 1, 2, 3-4, 5-8, ... 2^15+. */
export const BATCH_BUCKETS = 17;

export function batchBucket(batch: number): number {
  if (batch <= 1) return 0;
  return Math.min(BATCH_BUCKETS - 1, 32 - Math.clz32(batch - 1));
}

/** Live view of one endpoint, mutated in place by the dispatcher and the health checker. */
export interface EndpointState {
  readonly pool: PoolState;
  readonly url: string;
  readonly index: number;
  /** How to address and probe this kind of server (worker, triton, kserve). */
  readonly adapter: PoolAdapter;
  /** Presumed able to take work: true until failures eject it, true again once probes pass. */
  healthy: boolean;
  /**
   * It has shown it can take work (a passed probe or a good answer) since it started or was last
   * ejected. Placement presumes an endpoint healthy; readiness waits for this, so a broker whose only
   * endpoint is not listening yet does not say it is ready.
   */
  confirmed: boolean;
  /** Requests this broker has in flight there. */
  outstanding: number;
  /** Expected service time of those requests, ms. */
  outstandingMs: number;
  /** Queue depth the endpoint reported on its last answer (includes other clients' work). */
  reportedDepth: number;
  /** `now()` of that report. */
  reportedAt: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /**
   * The pool's models the endpoint holds in memory, as it last said (`splitflow-loaded-models`);
   * undefined while it has said nothing, which a server that loads all its models at start never does.
   */
  loaded: ReadonlySet<string> | undefined;
  /** Per model, its first answers that tell of its own warm-up, not the pool's service: how many are left. */
  readonly warmUpLeft: Map<string, number>;
  /**
   * When its process started, on the broker's clock, where it said (a registering worker sends its
   * uptime); NaN otherwise, and once it has been admitted (its start-up is then measured).
   */
  startedAt: number;
}

/** A reported queue depth older than this is ignored unless the scheduler says otherwise. */
export const DEFAULT_FRESHNESS_MS = 2000;

/**
 * One model's work at one pool. Our worker queues and runs each model on its own (a session thread
 * per model on CPUs; merged runs per model), so a request waits behind work of its own model, not
 * behind everything the pool has in flight; other models' runs show up as a slower service time,
 * which the pool learns from the compute times it is told.
 */
export interface ModelLoad {
  /** Requests of the model this broker has in flight at the pool. */
  outstanding: number;
  /** Their expected service times, summed, ms. */
  outstandingMs: number;
  /** Of those, batch-class requests: our worker runs interactive ones ahead of them. */
  batchOutstanding: number;
  /** Their expected service times, summed, ms. */
  batchOutstandingMs: number;
  /**
   * Requests per run the endpoints reported lately (EWMA of run rows / request rows; 1 until a
   * merged run is seen): queued requests of a model that batches leave in merged runs, not one by one.
   */
  requestsPerRun: number;
  /** The model's queue depth each endpoint reported lately, all clients' requests. */
  readonly reports: FreshReports;
  /** Healthy endpoints holding the model in memory (or saying nothing of it): where it runs without a load. */
  readonly warm: EndpointSet<EndpointState>;
  /** Endpoints this broker sent the model to while it was not in memory: when their load should be done. */
  readonly loading: Map<EndpointState, number>;
  /** Learned time to load the model at an endpoint of the pool, ms (EWMA; NaN until measured). */
  loadMs: number;
  /**
   * Measured time between successful answers of the model while more of its requests were in flight,
   * times this broker's share of the model's queue the endpoint reported then (other clients' requests
   * were served between ours) (EWMA, ms; NaN until measured): the pool's real drain rate for it, per
   * request of any client, whatever its instances, merged runs or other clients' work make of the
   * configured slots.
   */
  drainMs: number;
  /** Busy intervals folded into `drainMs`. */
  drainSamples: number;
  /** `now()` of the last successful answer (-Infinity until one came). */
  lastDoneAt: number;
  /** `now()` when the model last got work with none of it in flight. */
  busySince: number;
}

export interface PoolState {
  readonly name: string;
  readonly hardware: HardwareClass;
  readonly costPerHour: number;
  /** Spot capacity: interactive work goes here only when no other pool meets its deadline. */
  readonly preemptible: boolean;
  /** Bytes one endpoint has for a model (Infinity when the config says nothing). */
  readonly memoryBytes: number;
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  readonly throughput: Throughput;
  readonly link: LinkConfig;
  readonly models: ReadonlySet<string>;
  /** The pool's own versions of models, where they differ from the catalog's. */
  readonly versions: Readonly<Record<string, string>>;
  /** The endpoints new work may go to; one that leaves is removed here and finishes its work in flight. */
  readonly endpoints: EndpointState[];
  /** Index the next endpoint to join gets: indices are never reused, so per-endpoint arrays stay valid. */
  nextIndex: number;
  healthyCount: number;
  /** The healthy endpoints, drawn from at random by the endpoint choice. */
  readonly healthy: EndpointSet<EndpointState>;
  /**
   * Total queue depths reported lately by endpoints that do not say each model's own (other clients'
   * work included): what stands in for a model's queue there.
   */
  readonly reports: FreshReports;
  readonly freshnessMs: number;
  outstanding: number;
  outstandingMs: number;
  /**
   * Endpoints that are not our worker (Triton, KServe): they run requests in arrival order, so
   * interactive work waits behind batch work there.
   */
  foreignEndpoints: number;
  /** Time from an endpoint's process start to its admission, ms (EWMA of those measured; NaN until one is). */
  startupMs: number;
  /** model -> what the pool has learned of its service (learned-service.ts). */
  readonly learned: Map<string, LearnedService>;
  /** model -> its work here. */
  readonly byModel: Map<string, ModelLoad>;
}

export function modelLoad(pool: PoolState, model: string): ModelLoad {
  let load = pool.byModel.get(model);
  if (load === undefined) {
    load = {
      outstanding: 0,
      outstandingMs: 0,
      batchOutstanding: 0,
      batchOutstandingMs: 0,
      requestsPerRun: 1,
      reports: new FreshReports(pool.freshnessMs),
      warm: new EndpointSet(),
      loading: new Map(),
      loadMs: Number.NaN,
      drainMs: Number.NaN,
      drainSamples: 0,
      lastDoneAt: Number.NEGATIVE_INFINITY,
      busySince: Number.NEGATIVE_INFINITY,
    };
    for (const e of pool.healthy) if (holds(e, model)) load.warm.add(e);
    pool.byModel.set(model, load);
  }
  return load;
}

const holds = (e: EndpointState, model: string) => e.loaded === undefined || e.loaded.has(model);

/** Puts the endpoint in or out of each model's warm set by its health and what it holds. */
function placeInWarmSets(e: EndpointState): void {
  const serving = e.healthy && e.pool.healthy.has(e);
  for (const [model, load] of e.pool.byModel) {
    if (serving && holds(e, model)) {
      load.warm.add(e);
      load.loading.delete(e);
    } else load.warm.delete(e);
  }
}

/** What the endpoint says it holds in memory now; undefined: everything it serves. */
export function setLoaded(e: EndpointState, models: readonly string[] | undefined): void {
  if (models === undefined) {
    if (e.loaded === undefined) return;
    e.loaded = undefined;
  } else {
    const loaded = e.loaded;
    if (loaded !== undefined && loaded.size === models.length && models.every((m) => loaded.has(m))) return;
    e.loaded = new Set(models);
  }
  placeInWarmSets(e);
}

export function createPoolState(config: BrokerPool, freshnessMs = DEFAULT_FRESHNESS_MS): PoolState {
  const pool: PoolState = {
    name: config.name,
    hardware: config.hardware,
    costPerHour: config.costPerHour,
    preemptible: config.preemptible === true,
    memoryBytes: config.memoryGiB !== undefined ? config.memoryGiB * 2 ** 30 : Number.POSITIVE_INFINITY,
    maxConcurrency: config.maxConcurrency,
    maxQueue: config.maxQueue ?? DEFAULT_MAX_QUEUE,
    throughput: config.throughput ?? DEFAULT_THROUGHPUT[config.hardware],
    link: config.link ?? LOOPBACK_LINK,
    models: new Set(config.models),
    versions: Object.freeze({ ...config.versions }),
    endpoints: [],
    nextIndex: 0,
    healthyCount: 0,
    healthy: new EndpointSet(),
    reports: new FreshReports(freshnessMs),
    freshnessMs,
    outstanding: 0,
    outstandingMs: 0,
    foreignEndpoints: 0,
    startupMs: Number.NaN,
    learned: new Map(),
    byModel: new Map(),
  };
  for (const model of pool.models) modelLoad(pool, model);
  for (const e of config.endpoints ?? []) addEndpoint(pool, e.url, true, e.kind);
  return pool;
}

/**
 * An endpoint joins the pool. Listed endpoints start healthy; discovered ones start ejected and are
 * admitted by the health checker's first passing probe. Returns the endpoint, or the one already there.
 */
export function addEndpoint(pool: PoolState, url: string, healthy: boolean, kind: EndpointKind = 'worker'): EndpointState {
  const normalized = url.replace(/\/+$/, '');
  const existing = pool.endpoints.find((e) => e.url === normalized);
  if (existing) return existing;
  const endpoint: EndpointState = {
    pool,
    url: normalized,
    index: pool.nextIndex++,
    adapter: createPoolAdapter(kind, pool),
    healthy,
    confirmed: false,
    outstanding: 0,
    outstandingMs: 0,
    reportedDepth: 0,
    reportedAt: Number.NEGATIVE_INFINITY,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    loaded: undefined,
    warmUpLeft: new Map(),
    startedAt: Number.NaN,
  };
  pool.endpoints.push(endpoint);
  if (kind !== 'worker') pool.foreignEndpoints++;
  if (healthy) {
    pool.healthyCount++;
    pool.healthy.add(endpoint);
    placeInWarmSets(endpoint);
  }
  return endpoint;
}

/**
 * An endpoint leaves: no new work goes there. Requests in flight keep their EndpointState and finish,
 * and their counts still come off the pool's when they end. Returns the endpoint, if it was there.
 */
export function removeEndpoint(pool: PoolState, url: string): EndpointState | undefined {
  const normalized = url.replace(/\/+$/, '');
  const at = pool.endpoints.findIndex((e) => e.url === normalized);
  if (at < 0) return undefined;
  const [endpoint] = pool.endpoints.splice(at, 1) as [EndpointState];
  if (endpoint.adapter.kind !== 'worker') pool.foreignEndpoints--;
  if (endpoint.healthy) {
    endpoint.healthy = false;
    pool.healthyCount--;
  }
  leaveSets(endpoint);
  return endpoint;
}

/** Marks an endpoint healthy or not, keeping the pool's count in step. Returns whether it changed. */
export function setHealthy(endpoint: EndpointState, healthy: boolean): boolean {
  if (endpoint.healthy === healthy) return false;
  // A probe that was in flight when the endpoint left must not bring it back.
  if (healthy && !endpoint.pool.endpoints.includes(endpoint)) return false;
  endpoint.healthy = healthy;
  endpoint.pool.healthyCount += healthy ? 1 : -1;
  if (healthy) {
    endpoint.pool.healthy.add(endpoint);
    placeInWarmSets(endpoint);
  } else {
    endpoint.reportedDepth = 0;
    endpoint.confirmed = false;
    leaveSets(endpoint);
  }
  return true;
}

/** Out of every set new work is drawn from, its reports no longer counted. */
function leaveSets(e: EndpointState): void {
  const { pool } = e;
  pool.healthy.delete(e);
  pool.reports.forget(e.index);
  for (const load of pool.byModel.values()) {
    load.warm.delete(e);
    load.loading.delete(e);
    load.reports.forget(e.index);
  }
}

/** Healthy and shown to be so: what readiness counts. */
export function isServing(endpoint: EndpointState): boolean {
  return endpoint.healthy && endpoint.confirmed;
}
