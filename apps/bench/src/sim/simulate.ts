import { createScheduler, type Decision } from '@splitflow/broker';
import {
  type BrokerPool,
  computeMs,
  costUsd,
  type ModelCatalog,
  mulberry32,
  type PlacementPolicy,
  type Priority,
  type Throughput,
  type WorkEstimate,
  workOf,
} from '@splitflow/contract';
import { addEndpoint, type EndpointState, type PoolState, removeEndpoint } from '../../../../packages/broker/src/scheduler/pool-state.js';

/**
 * A discrete-event simulation that drives the broker's real scheduler (the same `createScheduler`,
 * with the simulation's clock injected) over many endpoints and an arrival process from many clients.
 * Endpoints are queues of `maxConcurrency` slots; a request's true service time is the pool's roofline
 * time for its work times a per-pool bias the scheduler must learn, with lognormal noise. What it says
 * about one broker replica: its decisions per second of CPU, and the SLO and cost of its placements.
 */

export interface SimClass {
  model: string;
  dims: Record<string, number>;
  priority: Priority;
  deadlineMs: number;
  /** Share of arrivals. */
  weight: number;
}

export interface SimPool {
  name: string;
  hardware: BrokerPool['hardware'];
  endpoints: number;
  maxConcurrency: number;
  costPerHour: number;
  preemptible?: boolean;
  /** True service time / the scheduler's prior, the bias it has to learn. */
  bias: number;
  /** The pool's declared speed (its config's `throughput`, the scheduler's prior). @default the broker's seed for its hardware */
  throughput?: Throughput;
}

export interface SimOptions {
  catalog: ModelCatalog;
  pools: SimPool[];
  classes: SimClass[];
  clients: number;
  /** Requests per second per client. */
  ratePerClient: number;
  requests: number;
  policy: PlacementPolicy;
  seed?: number;
  /** Lognormal sigma of service times. @default 0.25 */
  noise?: number;
  /** The scheduler to drive (another build of it, to compare side by side). @default the broker's createScheduler */
  createScheduler?: typeof createScheduler;
  /** Spot endpoints taken away during the run. @default none */
  preemption?: SimPreemption;
}

/**
 * Spot capacity taken away as clouds do it: an endpoint of a preemptible pool gets a notice (the
 * scheduler stops sending it work at once, as the broker does on SIGTERM's drain), and goes `noticeS`
 * later, losing what it still holds: those requests are placed again within what is left of their
 * deadline (excluding the endpoint, as the broker's retry does), or lost when nothing can meet it.
 */
export interface SimPreemption {
  /** Mean seconds between preemptions across the spot pools (Poisson). */
  everyS: number;
  /** Seconds between the notice and the endpoint going (0: no notice, a hard kill). */
  noticeS: number;
  /** A replacement endpoint joins this long after one goes (the autoscaler's reaction). @default none */
  replaceAfterS?: number;
}

export interface ClassResult {
  arrivals: number;
  met: number;
  refused: number;
}

export interface SimResult {
  policy: PlacementPolicy;
  endpoints: number;
  arrivalsPerS: number;
  requests: number;
  /** Simulated seconds. */
  simulatedS: number;
  met: number;
  refused: number;
  byClass: Record<string, ClassResult>;
  byPool: Record<string, number>;
  costPer1000: number;
  /** Decisions per second of this process's time spent in the scheduler (decide + begin + end). */
  decisionsPerS: number;
  schedulerUsPerRequest: number;
  /** Spot endpoints taken away, requests they held that were placed again, and those lost (no pool could meet what was left of their deadline). */
  preemptions: number;
  retried: number;
  lost: number;
}

interface Event {
  at: number;
  /** 0 arrival, 1 completion, 2 preemption notice, 3 the endpoint goes, 4 a replacement joins */
  kind: 0 | 1 | 2 | 3 | 4;
  /** The request (arrival, completion) or the preempted endpoint's slot in `doomed`. */
  index: number;
  /** Completion only: the request's attempt it ends (an attempt lost to a preemption ends nothing). */
  attempt?: number;
}

/** A binary min-heap of events by time (ties in insertion order). */
class EventQueue {
  private readonly heap: (Event & { seq: number })[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(e: Event): void {
    const h = this.heap;
    h.push({ ...e, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [h[i], h[p]] = [h[p] as never, h[i] as never];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as never, h[i] as never];
        i = m;
      }
    }
    return top;
  }
  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Event & { seq: number };
    const y = this.heap[b] as Event & { seq: number };
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}

export function simulate(o: SimOptions): SimResult {
  const random = mulberry32(o.seed ?? 42);
  const noise = o.noise ?? 0.25;
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const configs: BrokerPool[] = o.pools.map((p) => ({
    name: p.name,
    hardware: p.hardware,
    protocol: 'oip-v2',
    endpoints: Array.from({ length: p.endpoints }, (_, i) => ({ url: `http://${p.name}-${i}.sim:8000` })),
    costPerHour: p.costPerHour,
    maxConcurrency: p.maxConcurrency,
    models: o.classes.map((c) => c.model).filter((m, i, all) => all.indexOf(m) === i),
    ...(p.preemptible ? { preemptible: true } : {}),
    ...(p.throughput ? { throughput: p.throughput } : {}),
  }));
  let t = 0;
  const scheduler = (o.createScheduler ?? createScheduler)(configs, { now: () => t, policy: o.policy, random });
  const poolSim = new Map(o.pools.map((p) => [p.name, p]));
  const work: WorkEstimate[] = o.classes.map((c) => {
    const manifest = o.catalog.models.find((m) => m.id === c.model);
    if (!manifest) throw new Error(`no model "${c.model}" in the catalog`);
    return workOf(manifest, c.dims);
  });
  const totalWeight = o.classes.reduce((a, c) => a + c.weight, 0);
  const arrivalsPerS = o.clients * o.ratePerClient;

  // Per request: class, arrival time, decision; per endpoint (by url): busy slots and a FIFO of waiting requests.
  const cls = new Int32Array(o.requests);
  const arrivedAt = new Float64Array(o.requests);
  const decisions: (Decision | undefined)[] = new Array(o.requests);
  const busy = new Map<string, number>();
  const waiting = new Map<string, number[]>();
  const events = new EventQueue();
  const byClass: Record<string, ClassResult> = {};
  const byPool: Record<string, number> = {};
  for (const c of o.classes) byClass[`${c.model}/${c.priority}`] = { arrivals: 0, met: 0, refused: 0 };
  let met = 0;
  let refused = 0;
  let cost = 0;
  let schedulerMs = 0;
  let schedulerCalls = 0;

  const serviceOf = (i: number, d: Decision) => {
    const sim = poolSim.get(d.pool.name) as SimPool;
    return computeMs(d.pool.throughput, work[cls[i] as number] as WorkEstimate) * sim.bias * Math.exp(noise * gaussian() - (noise * noise) / 2);
  };
  const attempt = new Int32Array(o.requests);
  const running = new Map<string, Set<number>>();
  const startOn = (i: number, d: Decision) => {
    const service = serviceOf(i, d);
    busy.set(d.endpoint.url, (busy.get(d.endpoint.url) ?? 0) + 1);
    let held = running.get(d.endpoint.url);
    if (!held) {
      held = new Set();
      running.set(d.endpoint.url, held);
    }
    held.add(i);
    events.push({ at: t + service, kind: 1, index: i, attempt: attempt[i] as number });
    cost += costUsd(d.pool.costPerHour, service, d.pool.maxConcurrency);
    (decisions[i] as Decision & { service?: number }).service = service;
  };

  /** Starts request i on its endpoint if a slot is free, else queues it there. */
  const startOrWait = (i: number, d: Decision) => {
    if ((busy.get(d.endpoint.url) ?? 0) < d.pool.maxConcurrency) startOn(i, d);
    else {
      const q = waiting.get(d.endpoint.url);
      if (q) q.push(i);
      else waiting.set(d.endpoint.url, [i]);
    }
  };

  // Poisson arrivals: the superposition of many clients' independent arrivals is Poisson at the summed rate.
  let next = 0;
  let lastArrival = 0;
  const scheduleArrival = () => {
    if (next >= o.requests) return;
    if (next > 0) lastArrival += (-Math.log(1 - random()) / arrivalsPerS) * 1000;
    events.push({ at: lastArrival, kind: 0, index: next++ });
  };
  scheduleArrival();

  // Preemptions: a notice at Poisson times for a random member of a spot pool, the endpoint gone noticeS later.
  let preemptions = 0;
  let lastT = 0;
  /** Requests placed and not yet finished or lost. */
  let inSystem = 0;
  let retried = 0;
  let lost = 0;
  const spotPools = scheduler.pools.filter((p) => p.preemptible);
  const doomed: { pool: PoolState; endpoint: EndpointState }[] = [];
  let replacements = 0;
  const schedulePreemption = () => {
    if (!o.preemption || spotPools.length === 0) return;
    events.push({ at: t + -Math.log(1 - random()) * o.preemption.everyS * 1000, kind: 2, index: -1 });
  };
  schedulePreemption();
  /** Places a request again after its endpoint went: what is left of its deadline, that endpoint excluded. */
  const placeAgain = (i: number, gone: EndpointState) => {
    const c = o.classes[cls[i] as number] as SimClass;
    const started = performance.now();
    try {
      const d = scheduler.decide({
        model: c.model,
        work: work[cls[i] as number] as WorkEstimate,
        batch: c.dims.batch ?? 1,
        bytes: 0,
        priority: c.priority,
        deadlineMs: c.deadlineMs - (t - (arrivedAt[i] as number)),
        hardDeadline: true,
        exclude: new Set([gone]),
      });
      scheduler.begin(d);
      schedulerMs += performance.now() - started;
      decisions[i] = d;
      retried++;
      startOrWait(i, d);
    } catch {
      schedulerMs += performance.now() - started;
      decisions[i] = undefined;
      inSystem--;
      lost++;
    }
  };

  for (let e = events.pop(); e !== undefined; e = events.pop()) {
    t = e.at;
    const i = e.index;
    // Preemptions go on while requests remain to arrive or finish; none once the run is over.
    if (e.kind === 2) {
      if (next >= o.requests && inSystem === 0) continue;
      schedulePreemption();
      const members = spotPools.flatMap((p) => p.endpoints.map((endpoint) => ({ pool: p, endpoint })));
      if (members.length === 0) continue;
      const victim = members[Math.floor(random() * members.length)] as (typeof members)[number];
      // From the notice on no new work goes there; what it holds carries on until it goes.
      removeEndpoint(victim.pool, victim.endpoint.url);
      preemptions++;
      doomed.push(victim);
      events.push({ at: t + (o.preemption as SimPreemption).noticeS * 1000, kind: 3, index: doomed.length - 1 });
      continue;
    }
    if (e.kind === 3) {
      const { endpoint } = doomed[i] as (typeof doomed)[number];
      const held = [...(running.get(endpoint.url) ?? []), ...(waiting.get(endpoint.url) ?? [])];
      running.delete(endpoint.url);
      waiting.delete(endpoint.url);
      busy.delete(endpoint.url);
      for (const r of held) {
        const c = o.classes[cls[r] as number] as SimClass;
        attempt[r] = (attempt[r] as number) + 1;
        const started = performance.now();
        scheduler.end(decisions[r] as Decision, c.model, c.dims.batch ?? 1);
        schedulerMs += performance.now() - started;
        placeAgain(r, endpoint);
      }
      const after = o.preemption?.replaceAfterS;
      if (after !== undefined) events.push({ at: t + after * 1000, kind: 4, index: i });
      continue;
    }
    if (e.kind === 4) {
      const { pool } = doomed[i] as (typeof doomed)[number];
      addEndpoint(pool, `http://${pool.name}-replacement-${replacements++}.sim:8000`, true);
      continue;
    }
    if (e.kind === 1 && e.attempt !== attempt[i]) continue;
    lastT = t;
    if (e.kind === 0) {
      scheduleArrival();
      let pick = random() * totalWeight;
      let k = 0;
      while (k < o.classes.length - 1 && pick >= (o.classes[k] as SimClass).weight) pick -= (o.classes[k++] as SimClass).weight;
      cls[i] = k;
      arrivedAt[i] = t;
      const c = o.classes[k] as SimClass;
      const key = `${c.model}/${c.priority}`;
      (byClass[key] as ClassResult).arrivals++;
      const started = performance.now();
      try {
        const d = scheduler.decide({
          model: c.model,
          work: work[k] as WorkEstimate,
          batch: c.dims.batch ?? 1,
          bytes: 0,
          priority: c.priority,
          deadlineMs: c.deadlineMs,
          hardDeadline: true,
        });
        scheduler.begin(d);
        schedulerMs += performance.now() - started;
        schedulerCalls++;
        inSystem++;
        decisions[i] = d;
        byPool[d.pool.name] = (byPool[d.pool.name] ?? 0) + 1;
        startOrWait(i, d);
      } catch {
        schedulerMs += performance.now() - started;
        schedulerCalls++;
        refused++;
        (byClass[key] as ClassResult).refused++;
      }
      continue;
    }
    const d = decisions[i] as Decision & { service: number };
    const c = o.classes[cls[i] as number] as SimClass;
    const latency = t - (arrivedAt[i] as number);
    const started = performance.now();
    const q = waiting.get(d.endpoint.url);
    scheduler.end(d, c.model, c.dims.batch ?? 1, { computeMs: d.service, latencyMs: latency, queueDepth: q?.length ?? 0 });
    schedulerMs += performance.now() - started;
    if (latency <= c.deadlineMs) {
      met++;
      (byClass[`${c.model}/${c.priority}`] as ClassResult).met++;
    }
    busy.set(d.endpoint.url, (busy.get(d.endpoint.url) ?? 1) - 1);
    running.get(d.endpoint.url)?.delete(i);
    inSystem--;
    const waiter = q?.shift();
    if (waiter !== undefined) startOn(waiter, decisions[waiter] as Decision);
    decisions[i] = undefined;
  }

  return {
    policy: o.policy,
    endpoints: configs.reduce((a, p) => a + (p.endpoints?.length ?? 0), 0),
    arrivalsPerS,
    requests: o.requests,
    simulatedS: lastT / 1000,
    met,
    refused,
    byClass,
    byPool,
    costPer1000: (cost / Math.max(1, o.requests - refused)) * 1000,
    decisionsPerS: schedulerCalls / (schedulerMs / 1000),
    schedulerUsPerRequest: (schedulerMs * 1000) / o.requests,
    preemptions,
    retried,
    lost,
  };
}
