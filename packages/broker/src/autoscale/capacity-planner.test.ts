import type { BrokerPool, Priority } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createPoolState } from '../scheduler/pool-state.js';
import { planCapacity } from './capacity-planner.js';
import { serversFor } from './erlang-c.js';
import type { ClassLoad, LoadSnapshot } from './load-meter.js';

const pool = (name: string, models: string[], endpoints = 2, maxConcurrency = 2): BrokerPool => ({
  name,
  hardware: 'cpu',
  protocol: 'oip-v2',
  costPerHour: 1,
  maxConcurrency,
  models,
  endpoints: Array.from({ length: endpoints }, (_, i) => ({ url: `http://${name}-${i}:8000` })),
});

const load = (arrivalsPerS: number, meanServiceMs = Number.NaN, refusedPerS = 0): ClassLoad => ({
  arrivalsPerS,
  servedPerS: arrivalsPerS,
  meanServiceMs,
  refusedPerS,
});
const idle = load(0);
const snapshot = (entries: Record<string, Partial<Record<Priority, ClassLoad>>>): LoadSnapshot => ({
  windowMs: 60_000,
  pools: new Map(Object.entries(entries).map(([name, l]) => [name, { interactive: l.interactive ?? idle, batch: l.batch ?? idle }])),
});

describe('capacity planner', () => {
  const cpu = createPoolState(pool('cpu', ['tiny', 'vision-s']));
  const gpu = createPoolState(pool('gpu', ['vision-s'], 1, 4));

  it('sizes interactive load with Erlang C and rounds slots up to whole replicas', () => {
    const snap = snapshot({ cpu: { interactive: load(100, 20) } });
    const [plan] = planCapacity([cpu], snap, snap, { headroom: 0, targetWaitMs: { interactive: 10 }, quantile: 0.99 });
    const slots = serversFor({ offered: 2, meanServiceMs: 20, waitMs: 10, quantile: 0.99 });
    expect(plan?.slotsNeeded).toBe(slots);
    expect(plan?.desiredReplicas).toBe(Math.ceil(slots / 2));
    expect(plan?.classes.interactive.offered).toBeCloseTo(2, 9);
  });

  it('grows with load, with headroom and with a tighter quantile', () => {
    const plan = (rate: number, options = {}) => {
      const snap = snapshot({ cpu: { interactive: load(rate, 20) } });
      return planCapacity([cpu], snap, snap, { headroom: 0, ...options })[0]?.slotsNeeded ?? 0;
    };
    expect(plan(400)).toBeGreaterThan(plan(100));
    expect(plan(100, { headroom: 0.5 })).toBeGreaterThanOrEqual(plan(100));
    expect(plan(100, { quantile: 0.999 })).toBeGreaterThanOrEqual(plan(100, { quantile: 0.9 }));
  });

  it('counts batch work at the batch target, queued behind interactive work', () => {
    const interactiveOnly = snapshot({ cpu: { interactive: load(50, 10) } });
    const withBatch = snapshot({ cpu: { interactive: load(50, 10), batch: load(200, 40) } });
    const [a] = planCapacity([cpu], interactiveOnly, interactiveOnly, { headroom: 0 });
    const [b] = planCapacity([cpu], withBatch, withBatch, { headroom: 0 });
    // 8 Erlangs of batch work need at least 9 slots whatever the target.
    expect(b?.slotsNeeded).toBeGreaterThanOrEqual(9);
    expect(b?.slotsNeeded).toBeGreaterThan(a?.slotsNeeded ?? 0);
    expect(b?.reason).toMatch(/all classes/);
  });

  it('plans for the burst the short window sees when the long window averages it away', () => {
    const long = snapshot({ cpu: { interactive: load(10, 20) } });
    const short = snapshot({ cpu: { interactive: load(300, 20) } });
    const [calm] = planCapacity([cpu], long, long, { headroom: 0 });
    const [burst] = planCapacity([cpu], long, short, { headroom: 0 });
    expect(burst?.slotsNeeded).toBeGreaterThan(calm?.slotsNeeded ?? 0);
  });

  it('scales to zero only a pool whose models another pool serves', () => {
    const snap = snapshot({});
    const plans = planCapacity([cpu, gpu], snap, snap, { minReplicas: 0 });
    expect(plans.find((p) => p.pool === 'gpu')?.desiredReplicas).toBe(0);
    expect(plans.find((p) => p.pool === 'cpu')?.desiredReplicas).toBe(1);
    expect(planCapacity([cpu, gpu], snap, snap)[1]?.desiredReplicas).toBe(1);
  });

  it('keeps what it has, plus one while refusing, before any service time is measured', () => {
    const snap = snapshot({ gpu: { interactive: load(5, Number.NaN, 5) } });
    const [plan] = planCapacity([gpu], snap, snap);
    expect(plan?.desiredReplicas).toBe(2);
    expect(plan?.reason).toMatch(/no service time/);
  });
});

describe('capacity planner: refusals are unmet demand', () => {
  const cpu = createPoolState(pool('cpu', ['vision-s'], 2, 2));
  const refusing = (served: number, refused: number): LoadSnapshot =>
    snapshot({ cpu: { interactive: { arrivalsPerS: served + refused, servedPerS: served, meanServiceMs: 2, refusedPerS: refused } } });

  it('grows a pool that refuses more than the quantile allows, though its answered load needs no more', () => {
    const calm = refusing(10, 0);
    expect(planCapacity([cpu], calm, calm)[0]?.desiredReplicas).toBe(1);
    // A fifth refused: 2 replicas served 4/5 of it, so 3 at the least.
    const some = refusing(8, 2);
    const [plan] = planCapacity([cpu], some, some);
    expect(plan?.desiredReplicas).toBe(3);
    expect(plan?.reason).toMatch(/refusing 20\.0%/);
    // Most refused: at most double in one step.
    const most = refusing(1, 9);
    expect(planCapacity([cpu], most, most)[0]?.desiredReplicas).toBe(4);
  });

  it('takes refusals within the quantile for noise', () => {
    const few = refusing(99.9, 0.1);
    expect(planCapacity([cpu], few, few, { quantile: 0.99 })[0]?.desiredReplicas).toBe(1);
  });
});
