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
}

interface Event {
  at: number;
  kind: 0 | 1; // 0 arrival, 1 completion
  index: number;
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
  const scheduler = createScheduler(configs, { now: () => t, policy: o.policy, random });
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
  const startOn = (i: number, d: Decision) => {
    const service = serviceOf(i, d);
    busy.set(d.endpoint.url, (busy.get(d.endpoint.url) ?? 0) + 1);
    events.push({ at: t + service, kind: 1, index: i });
    cost += costUsd(d.pool.costPerHour, service, d.pool.maxConcurrency);
    (decisions[i] as Decision & { service?: number }).service = service;
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

  for (let e = events.pop(); e !== undefined; e = events.pop()) {
    t = e.at;
    const i = e.index;
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
        decisions[i] = d;
        byPool[d.pool.name] = (byPool[d.pool.name] ?? 0) + 1;
        if ((busy.get(d.endpoint.url) ?? 0) < d.pool.maxConcurrency) startOn(i, d);
        else {
          const q = waiting.get(d.endpoint.url);
          if (q) q.push(i);
          else waiting.set(d.endpoint.url, [i]);
        }
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
    const waiter = q?.shift();
    if (waiter !== undefined) startOn(waiter, decisions[waiter] as Decision);
    decisions[i] = undefined;
  }

  return {
    policy: o.policy,
    endpoints: configs.reduce((a, p) => a + (p.endpoints?.length ?? 0), 0),
    arrivalsPerS,
    requests: o.requests,
    simulatedS: t / 1000,
    met,
    refused,
    byClass,
    byPool,
    costPer1000: (cost / Math.max(1, o.requests - refused)) * 1000,
    decisionsPerS: schedulerCalls / (schedulerMs / 1000),
    schedulerUsPerRequest: (schedulerMs * 1000) / o.requests,
  };
}
