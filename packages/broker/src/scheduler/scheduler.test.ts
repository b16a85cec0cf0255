import { type BrokerPool, computeMs, isSplitflowError, type WorkEstimate } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { addEndpoint, setHealthy } from './pool-state.js';
import { createScheduler, type Decision, type PlacementRequest } from './scheduler.js';

const MFLOP = 1e6;
function pool(
  name: string,
  hardware: 'cpu' | 'gpu' | 'tpu',
  costPerHour: number,
  gflops: number,
  fixedOverheadMs: number,
  extra: Partial<BrokerPool> = {},
): BrokerPool {
  return {
    name,
    hardware,
    protocol: 'oip-v2',
    endpoints: [{ url: `http://${name}.invalid:1` }],
    costPerHour,
    maxConcurrency: 1,
    models: ['m'],
    throughput: { gflops, fixedOverheadMs },
    ...extra,
  };
}
const cpu = pool('cpu', 'cpu', 0.2, 20, 0.05);
const gpu = pool('gpu', 'gpu', 4, 7000, 1.7);
const small: WorkEstimate = { flops: 0.1 * MFLOP, bytes: 0 };
const large: WorkEstimate = { flops: 143 * 64 * MFLOP, bytes: 0 }; // large MLP at batch 64: ~460 ms on this cpu, ~3 ms on gpu

const req = (over: Partial<PlacementRequest> = {}): PlacementRequest => ({
  model: 'm',
  work: small,
  batch: 1,
  bytes: 1000,
  priority: 'interactive',
  deadlineMs: 100,
  hardDeadline: true,
  ...over,
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isSplitflowError(error) ? error.code : 'not-a-splitflow-error';
  }
  return undefined;
}

describe('scheduler: interactive', () => {
  it('puts small work on the cheap CPU pool and large work on the GPU when only it meets the deadline', () => {
    const s = createScheduler([cpu, gpu]);
    const a = s.decide(req());
    expect(a.pool.name).toBe('cpu');
    expect(a.reason).toBe('cheapest-meeting-deadline');
    const b = s.decide(req({ work: large, batch: 64 }));
    expect(b.pool.name).toBe('gpu');
    expect(b.expectedMs).toBeLessThan(100);
  });

  it('takes the cheaper pool when both meet a loose deadline, even for large work', () => {
    const s = createScheduler([cpu, pool('gpu', 'gpu', 400, 7000, 1.7)]);
    expect(s.decide(req({ work: large, deadlineMs: 10_000 })).pool.name).toBe('cpu');
  });

  it('refuses a hard deadline no pool meets with DEADLINE_UNMEETABLE and Retry-After, and serves a soft one on the fastest', () => {
    const s = createScheduler([cpu, gpu]);
    let caught: unknown;
    try {
      s.decide(req({ work: large, deadlineMs: 1 }));
    } catch (error) {
      caught = error;
    }
    expect(isSplitflowError(caught, 'DEADLINE_UNMEETABLE')).toBe(true);
    expect((caught as { retryAfterS: number }).retryAfterS).toBeGreaterThanOrEqual(1);
    expect((caught as { status: number }).status).toBe(429);
    const soft = s.decide(req({ work: large, deadlineMs: 1, hardDeadline: false }));
    expect(soft.pool.name).toBe('gpu');
    expect(soft.reason).toBe('fastest-missing-deadline');
  });

  it('moves work off a pool once its queue makes it miss the deadline', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 1 }), gpu]);
    const work: WorkEstimate = { flops: 10 * MFLOP, bytes: 0 }; // 10 ms on cpu, 1.7 ms on gpu
    const placed: string[] = [];
    for (let i = 0; i < 12; i++) {
      const d = s.decide(req({ work, deadlineMs: 50 }));
      s.begin(d);
      placed.push(d.pool.name);
    }
    // The k-th request on the one-slot cpu waits 10k ms: it takes k = 0..3 (finish <= 50 ms), the rest spill to the GPU.
    expect(placed.filter((p) => p === 'cpu')).toHaveLength(4);
    expect(placed.slice(4).every((p) => p === 'gpu')).toBe(true);
  });

  it('waits behind the mean work ahead, not as if the queue were as heavy as the new request', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 1 }), gpu]);
    const light: WorkEstimate = { flops: 0.1 * MFLOP, bytes: 0 }; // 0.1 ms on cpu
    const lights = [0, 1, 2].map(() => {
      const d = s.decide(req({ work: light }));
      expect(d.pool.name).toBe('cpu');
      s.begin(d);
      return d;
    });
    // 20 ms on cpu, 1.7 ms on gpu; behind 3 x 0.1 ms on one slot it starts after about 0.3 ms.
    const heavy = s.decide(req({ work: { flops: 20 * MFLOP, bytes: 0 }, deadlineMs: 30 }));
    expect(heavy.waitMs).toBeCloseTo(0.3, 6);
    expect(heavy.pool.name).toBe('cpu');
    s.begin(heavy);
    // Work of others the endpoint reports (sizes unknown) is guessed like the new request: 5 ahead on one
    // slot, ours 2 x 0.1 + 20 ms (one light one ended), 2 more of 20 ms: it starts after all of them.
    s.end(lights[0]!, 'm', 1, { queueDepth: 5 });
    expect(s.decide(req({ work: { flops: 20 * MFLOP, bytes: 0 }, deadlineMs: 1000 })).waitMs).toBeCloseTo(2 * 0.1 + 20 + 2 * 20, 6);
  });
  it("waits behind its own model's work only: another model's queue on the same pool does not delay it", () => {
    const cpuMN = pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 1, models: ['m', 'n'] });
    const s = createScheduler([cpuMN, pool('gpu', 'gpu', 4, 7000, 1.7, { models: ['m', 'n'] })]);
    const heavy: WorkEstimate = { flops: 20 * MFLOP, bytes: 0 }; // 20 ms on this cpu
    for (let i = 0; i < 3; i++) s.begin(s.decide(req({ model: 'n', work: heavy, deadlineMs: 1000 })));
    const m = s.decide(req({ model: 'm', work: { flops: 1 * MFLOP, bytes: 0 }, deadlineMs: 5 }));
    expect(m.pool.name).toBe('cpu');
    expect(m.waitMs).toBe(0);
    // The third n waits behind the two before it on the one slot.
    expect(s.decide(req({ model: 'n', work: heavy, deadlineMs: 1000 })).waitMs).toBeCloseTo(3 * 20, 6);
  });

  it("an interactive request waits behind the interactive work ahead at our workers, not behind the model's batch runs; at a foreign server behind both", () => {
    const heavy: WorkEstimate = { flops: 40 * MFLOP, bytes: 0 }; // 40 ms on this cpu: one 8-row run
    const decideBehindBatch = (kind: 'worker' | 'triton') => {
      const cpu2 = pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 2, endpoints: [{ url: 'http://cpu.invalid:1', kind }] });
      const s = createScheduler([cpu2]);
      for (let i = 0; i < 4; i++) s.begin(s.decide(req({ work: heavy, batch: 8, priority: 'batch', deadlineMs: 10_000 })));
      s.begin(s.decide(req({ work: { flops: 5 * MFLOP, bytes: 0 }, deadlineMs: 200 })));
      return () => s.decide(req({ work: { flops: 5 * MFLOP, bytes: 0 }, deadlineMs: 30 }));
    };
    // Our worker: 4 batch runs queued, one holds a slot; the interactive one ahead holds the other, so
    // this one starts after it (5 ms), and the batch runs behind wait.
    const atWorker = decideBehindBatch('worker')();
    expect(atWorker.pool.name).toBe('cpu');
    expect(atWorker.waitMs).toBeCloseTo(5, 6);
    // In arrival order it would start after 4 of the 5 requests ahead: (5 - 2 + 1) x 33 ms / 2 slots.
    expect(codeOf(decideBehindBatch('triton'))).toBe('DEADLINE_UNMEETABLE');
  });
  it('requests of a model the endpoints merge leave the queue a run at a time, and share its cost', () => {
    const decideAfter = (runRows: number | undefined) => {
      const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 1 }), gpu]);
      const work: WorkEstimate = { flops: 4 * MFLOP, bytes: 0 }; // 4 ms on cpu
      const first = s.decide(req({ work, deadlineMs: 1000 }));
      for (let i = 0; i < 30; i++) {
        s.begin(first);
        s.end(first, 'm', 1, runRows === undefined ? {} : { batchSize: runRows });
      }
      for (let i = 0; i < 9; i++) s.begin(s.decide(req({ work, deadlineMs: 1000 })));
      return s.decide(req({ work, deadlineMs: 1000 }));
    };
    const alone = decideAfter(undefined);
    const merged = decideAfter(8);
    expect(alone.waitMs).toBeCloseTo(9 * 4, 6); // one by one: nine runs of 4 ms
    expect(merged.modelLoad.requestsPerRun).toBeGreaterThan(7.9);
    expect(merged.waitMs).toBeCloseTo(alone.waitMs / merged.modelLoad.requestsPerRun, 6);
    expect(merged.costUsd).toBeCloseTo(alone.costUsd / merged.modelLoad.requestsPerRun, 12);
    // A run no larger than the request itself is no merge.
    expect(decideAfter(1).waitMs).toBeCloseTo(alone.waitMs, 6);
  });

  it('counts the parallelism of slots and merged runs once: a worker merging its 4 slots into one run serves 4 at a time, not 16', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 4 }), gpu]);
    const work: WorkEstimate = { flops: 10 * MFLOP, bytes: 0 }; // 10 ms on cpu
    const first = s.decide(req({ work, deadlineMs: 1000 }));
    // The worker reports runs of 4 one-row requests: the 4 slots' requests merged.
    for (let i = 0; i < 30; i++) {
      s.begin(first);
      s.end(first, 'm', 1, { batchSize: 4 });
    }
    for (let i = 0; i < 12; i++) s.begin(s.decide(req({ work, deadlineMs: 1000 })));
    const next = s.decide(req({ work, deadlineMs: 1000 }));
    // 12 ahead on 4 slots: 9 must finish first, 4 at a time, 10 ms each.
    expect(next.waitMs).toBeCloseTo((9 * 10) / 4, 1);
    // A hard deadline that this wait misses goes elsewhere or is refused, never admitted on the cpu.
    const tight = s.decide(req({ work, deadlineMs: 25 }));
    expect(tight.pool.name).toBe('gpu');
  });

  it('waits by the measured drain rate where the pool answers slower than its slots say, and refuses a hard deadline that wait misses', () => {
    let t = 0;
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 8 })], { now: () => t });
    const work: WorkEstimate = { flops: 10 * MFLOP, bytes: 0 }; // 10 ms on this cpu, as the endpoint also reports
    const inFlight = Array.from({ length: 30 }, () => {
      const d = s.decide(req({ work, deadlineMs: 100_000 }));
      s.begin(d);
      return d;
    });
    // Before anything is measured: 30 ahead on 8 slots of 10 ms.
    expect(s.decide(req({ work, deadlineMs: 100_000 })).waitMs).toBeCloseTo((23 * 10) / 8, 6);
    // The endpoint answers one every 50 ms (its slots share two cores), each reporting 10 ms of compute.
    for (const d of inFlight.splice(0, 12)) {
      t += 50;
      s.end(d, 'm', 1, { computeMs: 10, latencyMs: 50 });
    }
    const waited = s.decide(req({ work, deadlineMs: 100_000 }));
    expect(waited.modelLoad.drainMs).toBeCloseTo(50, 6);
    expect(waited.waitMs).toBeCloseTo(18 * 50, 6);
    const refused = (() => {
      try {
        s.decide(req({ work, deadlineMs: 500 }));
      } catch (error) {
        return error;
      }
    })();
    expect(isSplitflowError(refused, 'DEADLINE_UNMEETABLE')).toBe(true);
    expect((refused as { retryAfterS?: number }).retryAfterS).toBeGreaterThanOrEqual(1);
    expect(s.decide(req({ work, deadlineMs: 2000 })).pool.name).toBe('cpu');
  });

  it('takes no drain interval from idle time: answers that leave nothing in flight, however far apart, measure nothing', () => {
    let t = 0;
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 8 })], { now: () => t });
    const work: WorkEstimate = { flops: 10 * MFLOP, bytes: 0 };
    for (let i = 0; i < 20; i++) {
      const d = s.decide(req({ work, deadlineMs: 1000 }));
      s.begin(d);
      t += 1000;
      s.end(d, 'm', 1, { computeMs: 10, latencyMs: 10 });
    }
    // Two at once after an idle second: the interval runs from when they started, not from the last answer.
    const a = s.decide(req({ work, deadlineMs: 1000 }));
    s.begin(a);
    const b = s.decide(req({ work, deadlineMs: 1000 }));
    s.begin(b);
    t += 12;
    s.end(a, 'm', 1, { computeMs: 10, latencyMs: 12 });
    expect(a.modelLoad.drainSamples).toBe(1);
    expect(a.modelLoad.drainMs).toBeCloseTo(12, 6);
  });

  it("counts other clients' queued work of the same model where the endpoint reports it, not the endpoint's whole queue", () => {
    const t = 1000;
    const mk = () =>
      createScheduler([pool('cpu', 'cpu', 0.2, 1, 0, { maxConcurrency: 1, models: ['m', 'n'] }), pool('gpu', 'gpu', 4, 7000, 1.7, { models: ['m', 'n'] })], {
        now: () => t,
      });
    const work: WorkEstimate = { flops: 10 * MFLOP, bytes: 0 }; // 10 ms on cpu
    // The endpoint's total queue is 20 (other brokers' work of model n), but only 1 request of m waits.
    const byModel = mk();
    const d = byModel.decide(req({ work, deadlineMs: 50 }));
    byModel.begin(d);
    byModel.end(d, 'm', 1, { queueDepth: 20, modelQueueDepth: 1 });
    const m = byModel.decide(req({ work, deadlineMs: 50 }));
    expect(m.pool.name).toBe('cpu');
    expect(m.waitMs).toBeCloseTo(10, 6); // one of m ahead on the one slot
    // Without the per-model figure the whole queue counts as m's: 20 x 10 ms, so the GPU.
    const totalOnly = mk();
    const e = totalOnly.decide(req({ work, deadlineMs: 50 }));
    totalOnly.begin(e);
    totalOnly.end(e, 'm', 1, { queueDepth: 20 });
    expect(totalOnly.decide(req({ work, deadlineMs: 50 })).pool.name).toBe('gpu');
  });

  it('uses the load endpoints report, not only its own in-flight count', () => {
    const t = 1000;
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 1, 0), gpu], { now: () => t });
    const work: WorkEstimate = { flops: 10 * MFLOP, bytes: 0 };
    const d = s.decide(req({ work, deadlineMs: 50 }));
    s.begin(d);
    s.end(d, 'm', 1, { queueDepth: 20 });
    expect(s.decide(req({ work, deadlineMs: 50 })).pool.name).toBe('gpu');
  });

  it('learns measured service times per (pool, model, batch) and reroutes on them', () => {
    const s = createScheduler([cpu, gpu]);
    const work: WorkEstimate = { flops: 200 * MFLOP, bytes: 0 }; // seeded: 10 ms on cpu
    const first = s.decide(req({ work, deadlineMs: 30 }));
    expect(first.pool.name).toBe('cpu');
    expect(first.serviceMs).toBeCloseTo(computeMs(cpu.throughput!, work), 6);
    for (let i = 0; i < 20; i++) {
      s.begin(first);
      s.end(first, 'm', 1, { computeMs: 60 }); // the cpu turns out 6x slower than its roofline
    }
    const after = s.decide(req({ work, deadlineMs: 30 }));
    expect(after.pool.name).toBe('gpu');
    // A different batch bucket keeps its own (unlearned) estimate.
    expect(s.decide(req({ work, deadlineMs: 30, batch: 8 })).pool.name).toBe('cpu');
  });
});

describe('scheduler: endpoints that join', () => {
  it("estimates a joining endpoint at the pool's learned times: its slow first answers (its warm-up) do not raise them for the pool", () => {
    let t = 0;
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0, { maxConcurrency: 2 })], { now: () => t });
    const work: WorkEstimate = { flops: 200 * MFLOP, bytes: 0 }; // seeded: 10 ms
    const answer = (computeMs: number, exclude?: ReadonlySet<Decision['endpoint']>) => {
      const d = s.decide(req({ work, deadlineMs: 1000, ...(exclude ? { exclude } : {}) }));
      s.begin(d);
      t += 50;
      s.end(d, 'm', 1, { computeMs, latencyMs: computeMs });
      return d;
    };
    for (let i = 0; i < 20; i++) answer(10);
    const [first] = s.pools[0]?.endpoints ?? [];
    const learned = s.decide(req({ work })).serviceMs;
    expect(learned).toBeCloseTo(10, 3);
    // A worker joins (its sessions' first runs take 20 times as long) and serves its first requests.
    addEndpoint(s.pools[0] as (typeof s.pools)[number], 'http://cpu-joined.invalid:1', true);
    for (let i = 0; i < 2; i++) expect(answer(200, new Set([first as Decision['endpoint']])).endpoint.url).toBe('http://cpu-joined.invalid:1');
    const after = s.decide(req({ work, deadlineMs: 30 }));
    expect(after.serviceMs).toBeCloseTo(learned, 6);
    expect(after.tailMs).toBeLessThan(30);
    // Past its warm-up it is one of the pool: a slow answer counts.
    answer(200, new Set([first as Decision['endpoint']]));
    expect(s.decide(req({ work, deadlineMs: 1000 })).serviceMs).toBeGreaterThan(learned * 2);
  });
});

describe('scheduler: batch, capacity and health', () => {
  it('batch work takes the cheapest pool with capacity and ignores the deadline', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { maxQueue: 1 }), gpu]);
    const work: WorkEstimate = { flops: 20 * MFLOP, bytes: 0 }; // 1 ms on cpu (cheaper), 1.7 ms on gpu
    const a = s.decide(req({ work, priority: 'batch', deadlineMs: 0.01 }));
    expect(a.pool.name).toBe('cpu');
    expect(a.reason).toBe('cheapest-with-capacity');
    s.begin(a);
    s.begin(s.decide(req({ work, priority: 'batch' })));
    // cpu: 1 slot + 1 queued = full, so the next goes to the GPU
    expect(s.decide(req({ work, priority: 'batch' })).pool.name).toBe('gpu');
  });

  it('batch work with a named deadline waits on the cheap pool only while it still meets the deadline', () => {
    const placedWith = (hardDeadline: boolean) => {
      const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05), gpu]);
      const work: WorkEstimate = { flops: 100 * MFLOP, bytes: 0 }; // 5.05 ms on cpu (cheaper), 1.71 ms on gpu
      const placed: string[] = [];
      for (let i = 0; i < 6; i++) {
        const d = s.decide(req({ work, priority: 'batch', deadlineMs: 20, hardDeadline }));
        s.begin(d);
        placed.push(`${d.pool.name}:${d.reason}`);
      }
      return placed;
    };
    // The k-th on the one-slot cpu finishes at 5.05 (k + 1) ms (+ transfer): k = 0..2 meet 20 ms, the rest go to the GPU.
    expect(placedWith(true)).toEqual([...Array(3).fill('cpu:cheapest-meeting-deadline'), ...Array(3).fill('gpu:cheapest-meeting-deadline')]);
    // A default (soft) deadline does not steer batch work: cheapest with capacity.
    expect(placedWith(false)).toEqual(Array(6).fill('cpu:cheapest-with-capacity'));
  });
  it('answers OVERLOADED when every pool is at its bound, NO_CAPACITY when none is healthy, MODEL_NOT_FOUND when none serves it', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { maxQueue: 0 })]);
    s.begin(s.decide(req({ priority: 'batch' })));
    expect(codeOf(() => s.decide(req({ priority: 'batch' })))).toBe('OVERLOADED');
    const [only] = s.pools;
    setHealthy(only!.endpoints[0]!, false);
    expect(codeOf(() => s.decide(req()))).toBe('NO_CAPACITY');
    expect(codeOf(() => s.decide(req({ model: 'other' })))).toBe('MODEL_NOT_FOUND');
  });

  it('skips excluded endpoints (retries) and falls over to another pool', () => {
    const s = createScheduler([cpu, gpu]);
    const first = s.decide(req());
    expect(first.pool.name).toBe('cpu');
    const retry = s.decide(req({ exclude: new Set([first.endpoint]) }));
    expect(retry.pool.name).toBe('gpu');
  });

  it('picks endpoints by power of two choices: the most loaded of four is never picked', () => {
    const endpoints = [1, 2, 3, 4].map((i) => ({ url: `http://e${i}.invalid:1` }));
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { endpoints, maxConcurrency: 100 })]);
    const [p] = s.pools;
    p!.endpoints[2]!.outstanding = 50;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) counts[s.decide(req()).endpoint.index]!++;
    expect(counts[2]).toBe(0);
    for (const i of [0, 1, 3]) expect(counts[i]).toBeGreaterThan(400);
  });
  it('weighs endpoints by requests outstanding, not milliseconds: a few long runs do not push short work onto a crowded endpoint', () => {
    const endpoints = [1, 2].map((i) => ({ url: `http://e${i}.invalid:1` }));
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { endpoints, maxConcurrency: 100 })]);
    const [p] = s.pools;
    const [a, b] = p!.endpoints;
    a!.outstanding = 2; // two long batch runs
    a!.outstandingMs = 400;
    b!.outstanding = 10; // ten short requests
    b!.outstandingMs = 10;
    for (let i = 0; i < 20; i++) expect(s.decide(req()).endpoint).toBe(a);
  });
});

describe('scheduler: the yardstick policies', () => {
  const endpoints = (name: string, n: number) => Array.from({ length: n }, (_, i) => ({ url: `http://${name}${i}.invalid:1` }));
  const pools = () => [
    pool('cpu', 'cpu', 0.2, 20, 0.05, { endpoints: endpoints('cpu', 2) }),
    pool('gpu', 'gpu', 4, 7000, 1.7, { endpoints: endpoints('gpu', 1) }),
  ];

  it('round-robin takes every healthy endpoint of every pool in turn, blind to cost and deadline', () => {
    const s = createScheduler(pools(), { policy: 'round-robin' });
    const picked = Array.from({ length: 6 }, () => s.decide(req({ deadlineMs: 0.001 })));
    expect(picked.map((d) => d.endpoint.url)).toEqual(
      [0, 1, 2, 0, 1, 2].map((i) => ['http://cpu0.invalid:1', 'http://cpu1.invalid:1', 'http://gpu0.invalid:1'][i]),
    );
    expect(picked.every((d) => d.reason === 'round-robin')).toBe(true);
    // A failed endpoint is skipped on retry, as with the scheduler.
    const retry = s.decide(req({ exclude: new Set([picked[0]!.endpoint]) }));
    expect(retry.endpoint).not.toBe(picked[0]!.endpoint);
  });

  it('least-outstanding takes the endpoint with the fewest requests in flight, whatever the pool', () => {
    const s = createScheduler(pools(), { policy: 'least-outstanding' });
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const d = s.decide(req({ work: { flops: 143 * 64 * MFLOP, bytes: 0 } }));
      expect(d.reason).toBe('least-outstanding');
      s.begin(d);
      placed.push(d.endpoint.url);
    }
    expect(placed.filter((u) => u.includes('gpu'))).toHaveLength(2);
    expect(placed.filter((u) => u.includes('cpu0'))).toHaveLength(2);
  });
});

describe('scheduler over grids of pools', () => {
  it('always returns the cheapest pool that meets the deadline, or the correct refusal', () => {
    const costs = [0.1, 0.5, 2, 8];
    const speeds: [number, number][] = [
      [5, 0.05],
      [50, 0.1],
      [2000, 1],
      [20000, 1.5],
    ];
    const works = [0.01, 1, 100, 10_000].map((m) => ({ flops: m * MFLOP, bytes: 0 }));
    const deadlines = [0.5, 2, 20, 200, 5000];
    let checked = 0;
    for (let n = 1; n <= 10; n++) {
      const configs = Array.from({ length: n }, (_, i) => {
        const [gflops, fixed] = speeds[(i * 7 + n) % speeds.length]!;
        return pool(`p${i}`, i % 3 === 0 ? 'gpu' : i % 3 === 1 ? 'cpu' : 'tpu', costs[(i * 3 + n) % costs.length]!, gflops, fixed);
      });
      const s = createScheduler(configs);
      for (const work of works) {
        for (const deadlineMs of deadlines) {
          const options = s.pools.map((p) => {
            const service = computeMs(p.throughput, work);
            return { name: p.name, finish: service + 0.1 + (1000 * 8) / (10_000 * 1e3), cost: (p.costPerHour * service) / 3.6e6 };
          });
          const meeting = options.filter((o) => o.finish <= deadlineMs);
          const code = codeOf(() => s.decide(req({ work, deadlineMs })));
          if (meeting.length === 0) {
            expect(code).toBe('DEADLINE_UNMEETABLE');
          } else {
            const d = s.decide(req({ work, deadlineMs }));
            const minCost = Math.min(...meeting.map((o) => o.cost));
            expect(d.expectedMs).toBeLessThanOrEqual(deadlineMs);
            expect(d.costUsd).toBeCloseTo(minCost, 15);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(10 * works.length * deadlines.length);
  });
});

describe('scheduler: deadlines by the tail', () => {
  // Both pools: 200 MFLOP at 20 GFLOP/s = 10 ms seeded; a 15 ms deadline fits the mean of either.
  const work: WorkEstimate = { flops: 200 * MFLOP, bytes: 0 };
  const cheap = pool('cheap', 'cpu', 0.2, 20, 0);
  const dear = pool('dear', 'cpu', 1, 20, 0);
  const tight = (over: Partial<PlacementRequest> = {}) => req({ work, deadlineMs: 15, ...over });

  /** Serves `observations` on the named pool (the other excluded), as the dispatcher would report them. */
  function observe(s: ReturnType<typeof createScheduler>, name: string, observations: { computeMs: number; latencyMs?: number }[]) {
    const others = new Set(s.pools.filter((p) => p.name !== name).flatMap((p) => p.endpoints));
    for (const observation of observations) {
      const d = s.decide(tight({ exclude: others, deadlineMs: 10_000 }));
      expect(d.pool.name).toBe(name);
      s.begin(d);
      s.end(d, 'm', 1, observation);
    }
  }
  const erratic = Array.from({ length: 20 }, (_, i) => ({ computeMs: i % 2 === 0 ? 2 : 18 })); // mean 10 ms
  const steady = Array.from({ length: 20 }, () => ({ computeMs: 10 }));

  it('decides as before while nothing is observed: tail = expected finish', () => {
    const s = createScheduler([cheap, dear]);
    const d = s.decide(tight());
    expect(d.pool.name).toBe('cheap');
    expect(d.reason).toBe('cheapest-meeting-deadline');
    expect(d.tailMs).toBe(d.expectedMs);
    expect(d.expectedMs).toBeLessThan(15);
  });

  it('skips a cheap pool whose mean fits the deadline but whose service times spread past it, for a steady dearer one', () => {
    const s = createScheduler([cheap, dear]);
    observe(s, 'cheap', erratic);
    observe(s, 'dear', steady);
    const d = s.decide(tight());
    expect(d.pool.name).toBe('dear');
    expect(d.reason).toBe('cheapest-meeting-deadline');
    expect(d.tailMs).toBeLessThanOrEqual(15);
    // The cheap pool's mean still fits: only its tail ruled it out.
    const onCheap = s.decide(tight({ exclude: new Set(s.pools[1]!.endpoints), deadlineMs: 10_000 }));
    expect(onCheap.expectedMs).toBeLessThan(15);
    expect(onCheap.tailMs).toBeGreaterThan(15);
  });

  it('keeps the cheap pool when it is as steady as the dear one, with the same mean', () => {
    const s = createScheduler([cheap, dear]);
    observe(s, 'cheap', steady);
    observe(s, 'dear', steady);
    const d = s.decide(tight());
    expect(d.pool.name).toBe('cheap');
    expect(d.tailMs).toBeCloseTo(d.expectedMs, 9);
  });

  it('learns the spread of end-to-end latency (queueing included) even when compute is steady', () => {
    const s = createScheduler([cheap, dear]);
    observe(
      s,
      'cheap',
      steady.map((o, i) => ({ ...o, latencyMs: i % 2 === 0 ? 5 : 25 })),
    );
    observe(
      s,
      'dear',
      steady.map((o) => ({ ...o, latencyMs: 10.5 })),
    );
    expect(s.decide(tight()).pool.name).toBe('dear');
  });

  it('refuses a named interactive deadline no tail meets; a default one falls back to the cheapest mean that meets it', () => {
    const s = createScheduler([cheap, dear]);
    observe(s, 'cheap', erratic);
    observe(s, 'dear', erratic);
    // Both means fit 15 ms, neither tail does: admitted, it would miss about one time in ten.
    const hard = (() => {
      try {
        s.decide(tight());
      } catch (error) {
        return error;
      }
    })();
    expect(isSplitflowError(hard, 'DEADLINE_UNMEETABLE')).toBe(true);
    expect((hard as { retryAfterS?: number }).retryAfterS).toBeGreaterThanOrEqual(1);
    const d = s.decide(tight({ hardDeadline: false }));
    expect(d.pool.name).toBe('cheap');
    expect(d.reason).toBe('cheapest-meeting-deadline-on-mean');
    expect(d.tailMs).toBeGreaterThan(15);
    // Batch work with a named deadline may wait: the mean decides for it too.
    expect(s.decide(tight({ priority: 'batch' })).reason).toBe('cheapest-meeting-deadline-on-mean');
    // Where no mean fits either, the answer is the one it always was.
    expect(codeOf(() => s.decide(tight({ deadlineMs: 5 })))).toBe('DEADLINE_UNMEETABLE');
    expect(s.decide(tight({ deadlineMs: 5, hardDeadline: false })).reason).toBe('fastest-missing-deadline');
  });

  it('forgets a spread it no longer observes, so the cheap pool gets work again', () => {
    let t = 0;
    const s = createScheduler([cheap, dear], { now: () => t, spreadHalfLifeMs: 1000 });
    observe(s, 'cheap', erratic);
    expect(s.decide(tight()).pool.name).toBe('dear');
    t = 10_000; // ten half-lives: the spread is down to 1/1024 of itself
    const d = s.decide(tight());
    expect(d.pool.name).toBe('cheap');
    expect(d.tailMs - d.expectedMs).toBeLessThan(0.1);
  });

  it('does not leave the cheap pool on one late answer, only on a run of them', () => {
    const s = createScheduler([cheap, dear]);
    const onTime = steady.map((o) => ({ ...o, latencyMs: 10 }));
    observe(s, 'cheap', onTime);
    observe(s, 'cheap', [{ computeMs: 10, latencyMs: 18 }]); // 8 ms late, once
    expect(s.decide(tight()).pool.name).toBe('cheap');
    observe(
      s,
      'cheap',
      Array.from({ length: 4 }, () => ({ computeMs: 10, latencyMs: 18 })),
    );
    expect(s.decide(tight()).pool.name).toBe('dear');
  });

  it('takes the tail as about the 90th percentile of the last 32 overshoots, so old outliers leave it', () => {
    const s = createScheduler([cheap, dear]);
    // Overshoots of 1, 2, ..., 32 ms: the tail is the 4th largest, 29 ms.
    observe(
      s,
      'cheap',
      Array.from({ length: 32 }, (_, i) => ({ computeMs: 10, latencyMs: 10 + i + 1 })),
    );
    const exclude = new Set(s.pools[1]!.endpoints);
    const d = s.decide(tight({ exclude, deadlineMs: 10_000 }));
    expect(d.tailMs - d.expectedMs).toBeGreaterThan(28);
    expect(d.tailMs - d.expectedMs).toBeLessThan(30);
    // 32 on-time answers push all of them out of the window.
    observe(
      s,
      'cheap',
      Array.from({ length: 32 }, () => ({ computeMs: 10, latencyMs: 10 })),
    );
    const later = s.decide(tight({ exclude, deadlineMs: 10_000 }));
    expect(later.tailMs - later.expectedMs).toBeLessThan(0.5);
  });

  it('takes tailScale as an option: 0 is the mean-based decision', () => {
    const s = createScheduler([cheap, dear], { tailScale: 0 });
    observe(s, 'cheap', erratic);
    expect(s.decide(tight()).pool.name).toBe('cheap');
  });
});

describe('scheduler: preemptible (spot) pools', () => {
  const spot = pool('spot', 'cpu', 0.05, 20, 0.05, { preemptible: true });

  it('keeps interactive work off spot capacity while another pool meets its deadline, though spot is cheaper', () => {
    const s = createScheduler([cpu, gpu, spot]);
    expect(s.decide(req()).pool.name).toBe('cpu');
    expect(s.decide(req({ work: large, batch: 64 })).pool.name).toBe('gpu');
  });

  it('sends interactive work to spot when nothing else can meet its deadline', () => {
    // The only other pool is far too slow for the deadline; spot is fast enough.
    const slow = pool('slow', 'cpu', 0.2, 0.01, 0);
    const fastSpot = pool('spot', 'gpu', 1, 7000, 0.5, { preemptible: true });
    const s = createScheduler([slow, fastSpot]);
    const d = s.decide(req({ work: large, batch: 64 }));
    expect(d.pool.name).toBe('spot');
    expect(d.reason).toBe('cheapest-meeting-deadline');
  });

  it('lets batch work take the cheapest pool, spot included', () => {
    const s = createScheduler([cpu, gpu, spot]);
    expect(s.decide(req({ priority: 'batch', hardDeadline: false, deadlineMs: 10_000 })).pool.name).toBe('spot');
  });

  it('without the flag the same cheap pool takes interactive work: the flag is what keeps it off', () => {
    const withSpot = createScheduler([cpu, gpu, pool('spot', 'cpu', 0.05, 20, 0.05)]);
    expect(withSpot.decide(req()).pool.name).toBe('spot');
  });
});

describe('scheduler: memory fit', () => {
  const GiB = 2 ** 30;
  const big = (batch: number): WorkEstimate => ({ flops: 143 * batch * MFLOP, bytes: 0.3 * GiB + batch * 0.05 * GiB });

  it('never places a request on a pool whose endpoints cannot hold its weights and activations', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { memoryGiB: 1 }), pool('gpu', 'gpu', 4, 7000, 1.7, { memoryGiB: 80 })]);
    // Batch 4 fits the CPU pool (0.5 GiB), where it is cheapest; batch 64 (3.5 GiB) only the GPU.
    expect(s.decide(req({ work: big(4), batch: 4, deadlineMs: 10_000 })).pool.name).toBe('cpu');
    expect(s.decide(req({ work: big(64), batch: 64, deadlineMs: 10_000 })).pool.name).toBe('gpu');
    const balanced = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { memoryGiB: 1 }), pool('gpu', 'gpu', 4, 7000, 1.7, { memoryGiB: 80 })], {
      policy: 'round-robin',
    });
    for (let i = 0; i < 4; i++) expect(balanced.decide(req({ work: big(64), batch: 64 })).pool.name).toBe('gpu');
  });

  it('says plainly when no pool serving the model can hold the request', () => {
    const s = createScheduler([pool('cpu', 'cpu', 0.2, 20, 0.05, { memoryGiB: 1 })]);
    expect(codeOf(() => s.decide(req({ work: big(64), batch: 64 })))).toBe('INVALID_REQUEST');
    expect(() => s.decide(req({ work: big(64), batch: 64 }))).toThrow(/at batch 64 needs 3\.50 GiB, more than any pool serving it has \(largest: 1\.00 GiB\)/);
    // Without a memory figure a pool is taken to fit anything.
    expect(createScheduler([cpu]).decide(req({ work: big(64), batch: 64, deadlineMs: 1e6 })).pool.name).toBe('cpu');
  });
});
