import type { BrokerPool, WorkEstimate } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { COLD_LOAD_BYTES_PER_MS, COLD_LOAD_FIXED_MS } from './cold-load.js';
import { type EndpointState, modelLoad, setLoaded } from './pool-state.js';
import { createScheduler, type PlacementRequest } from './scheduler.js';

// Where a model is in memory and where it must be loaded first: the scheduler counts the load in its
// estimate, prefers warm endpoints while they meet the deadline, and learns the load's real time.

const work: WorkEstimate = { flops: 1e6, bytes: 2_000_000 }; // prior load: 50 + 10 = 60 ms
const PRIOR = COLD_LOAD_FIXED_MS + work.bytes / COLD_LOAD_BYTES_PER_MS;

const pool = (name: string, costPerHour: number, endpoints: number, extra: Partial<BrokerPool> = {}): BrokerPool => ({
  name,
  hardware: 'cpu',
  protocol: 'oip-v2',
  endpoints: Array.from({ length: endpoints }, (_, i) => ({ url: `http://${name}-${i}.invalid:1` })),
  costPerHour,
  maxConcurrency: 1,
  models: ['m'],
  throughput: { gflops: 100, fixedOverheadMs: 1 },
  ...extra,
});

const req = (over: Partial<PlacementRequest> = {}): PlacementRequest => ({
  model: 'm',
  work,
  batch: 1,
  bytes: 100,
  priority: 'interactive',
  deadlineMs: 1000,
  hardDeadline: true,
  ...over,
});

describe('cold loads in the estimate', () => {
  it('sends work to the endpoint holding the model while its queue meets the deadline, and loads it elsewhere when not', () => {
    let t = 0;
    const s = createScheduler([pool('cpu', 1, 2)], { now: () => t });
    const [warm, cold] = s.pools[0]!.endpoints as [EndpointState, EndpointState];
    setLoaded(warm, ['m']);
    setLoaded(cold, []);
    // Service is about 1 ms: a queue of 20 at the warm endpoint waits ~20 ms, under a 1 s deadline.
    const held = Array.from({ length: 20 }, () => {
      const d = s.decide(req());
      expect([d.endpoint, d.coldLoadMs]).toEqual([warm, 0]);
      s.begin(d);
      return d;
    });
    // Under a 40 ms deadline the warm queue (~21 ms) still wins over loading (60 ms prior).
    expect(s.decide(req({ deadlineMs: 40 })).endpoint).toBe(warm);
    // Past it, the cold endpoint: the decision counts the prior load, and the load starts there.
    for (let i = 0; i < 60; i++) s.begin(s.decide(req({ deadlineMs: 1000 })));
    const loadNow = s.decide(req({ deadlineMs: 75 }));
    expect([loadNow.endpoint, loadNow.coldLoadMs, loadNow.reason]).toEqual([cold, PRIOR, 'cheapest-meeting-deadline']);
    expect(loadNow.expectedMs).toBeGreaterThan(PRIOR);
    s.begin(loadNow);
    expect(modelLoad(s.pools[0]!, 'm').loading.get(cold)).toBe(PRIOR);
    // 40 ms later the next one counts what is left of that load, not all of it.
    t = 40;
    const next = s.decide(req({ deadlineMs: 75 }));
    expect([next.endpoint, next.coldLoadMs]).toEqual([cold, PRIOR - 40]);
    // The answer says the load took 12 ms and the model is in memory: warm from now on, and learned.
    s.end(loadNow, 'm', 1, { computeMs: 1, latencyMs: 14, loadMs: 12, loadedModels: ['m'] });
    const load = modelLoad(s.pools[0]!, 'm');
    expect([load.loadMs, load.warm.size, load.loading.size]).toEqual([12, 2, 0]);
    for (const d of held) s.end(d, 'm', 1);
  });

  it('a cold load that cannot meet a hard deadline is refused with the load counted; one that can is cheaper than a warm dear pool', () => {
    const s = createScheduler([pool('cheap', 1, 1), pool('dear', 10, 1)]);
    const [cheap, dear] = s.pools as [(typeof s.pools)[number], (typeof s.pools)[number]];
    setLoaded(cheap.endpoints[0]!, []);
    // The warm dear pool meets 30 ms; the cheap one would need its 60 ms load.
    expect(s.decide(req({ deadlineMs: 30 })).pool).toBe(dear);
    expect(s.decide(req({ deadlineMs: 500 })).pool).toBe(cheap);
    setLoaded(dear.endpoints[0]!, []);
    let error: unknown;
    try {
      s.decide(req({ deadlineMs: 30 }));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DEADLINE_UNMEETABLE' });
    expect((error as { details: { expectedMs: number } }).details.expectedMs).toBeGreaterThanOrEqual(PRIOR);
  });

  it('decides without walking the pool: the endpoint list is never read, only the sets kept up to date', () => {
    const s = createScheduler([pool('big', 1, 1000), pool('other', 2, 1000)]);
    for (const p of s.pools) {
      for (const [i, e] of p.endpoints.entries()) setLoaded(e, i % 2 === 0 ? ['m'] : []);
      const walked = new Proxy(p.endpoints, {
        get(target, key) {
          if (key === 'length' || key === Symbol.iterator || typeof key === 'string') throw new Error('decide walked the endpoints');
          return Reflect.get(target, key);
        },
      });
      Object.defineProperty(p, 'endpoints', { value: walked });
    }
    for (let i = 0; i < 200; i++) {
      const d = s.decide(req({ deadlineMs: i % 3 === 0 ? 1000 : 2 }));
      s.begin(d);
      s.end(d, 'm', 1, { computeMs: 1, latencyMs: 2, queueDepth: 1, modelQueueDepth: 1 });
    }
  });
});
