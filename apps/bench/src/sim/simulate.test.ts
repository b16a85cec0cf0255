import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateCatalog } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { fleetScenario } from './scenario.js';
import { simulate } from './simulate.js';

// The fleet simulation at a small size (the full one is `sim-bench.ts`): it drives the real scheduler,
// so it is deterministic for a seed, accounts for every request, and the scheduler's choices show.
const catalog = validateCatalog(JSON.parse(readFileSync(join(resolve(import.meta.dirname, '../../../..'), 'models/catalog.json'), 'utf8')));
const run = (policy: 'cost-deadline' | 'round-robin' | 'least-outstanding', over = {}) =>
  simulate({ ...fleetScenario(catalog, 20), clients: 10_000, ratePerClient: 0.01, requests: 4000, policy, seed: 7, ...over });

describe('fleet simulation over the real scheduler', () => {
  it('is the same run for the same seed, and accounts for every request', () => {
    const a = run('cost-deadline');
    const b = run('cost-deadline');
    expect({ ...a, decisionsPerS: 0, schedulerUsPerRequest: 0 }).toEqual({ ...b, decisionsPerS: 0, schedulerUsPerRequest: 0 });
    const arrivals = Object.values(a.byClass).reduce((n, c) => n + c.arrivals, 0);
    expect(arrivals).toBe(4000);
    expect(Object.values(a.byPool).reduce((n, c) => n + c, 0) + a.refused).toBe(4000);
    expect(a.simulatedS).toBeGreaterThan(30);
  });

  it('places by cost and deadline where the load balancers spread blindly', () => {
    const splitflow = run('cost-deadline');
    const roundRobin = run('round-robin');
    expect(splitflow.costPer1000).toBeLessThan(roundRobin.costPer1000);
    expect(splitflow.met).toBeGreaterThanOrEqual(roundRobin.met);
    // Round-robin sends work to every pool in proportion to its endpoints; spot gets interactive work too.
    expect(roundRobin.byPool['cpu-spot']).toBeGreaterThan(0);
  });

  it('keeps interactive work off the spot pool while others meet its deadline', () => {
    const spotOnly = run('cost-deadline');
    const interactiveOnSpot = spotOnly.byPool['cpu-spot'] ?? 0;
    const batchArrivals = Object.entries(spotOnly.byClass)
      .filter(([k]) => k.endsWith('/batch'))
      .reduce((n, [, c]) => n + c.arrivals, 0);
    expect(interactiveOnSpot).toBeLessThanOrEqual(batchArrivals);
  });

  it("uses a pool's declared throughput as its prior and truth: a GPU pool without fixed cost takes the small work too", () => {
    const withGpu = (throughput?: { gflops: number; fixedOverheadMs: number; memoryGBps: number }) => {
      const scenario = fleetScenario(catalog, 20);
      const pools = scenario.pools.map((p) => (p.hardware === 'gpu' ? { ...p, bias: 1, ...(throughput ? { throughput } : {}) } : p));
      return simulate({ ...scenario, pools, clients: 10_000, ratePerClient: 0.01, requests: 4000, policy: 'cost-deadline', seed: 7 });
    };
    const seeded = withGpu();
    const fast = withGpu({ gflops: 31000, fixedOverheadMs: 0.03, memoryGBps: 2000 });
    expect(fast.byPool.gpu ?? 0).toBeGreaterThan(seeded.byPool.gpu ?? 0);
    expect(fast.costPer1000).toBeLessThan(seeded.costPer1000);
  });

  it('refuses hard deadlines it cannot meet when the fleet is far too small, instead of queueing them', () => {
    const overloaded = simulate({ ...fleetScenario(catalog, 3), clients: 10_000, ratePerClient: 20, requests: 4000, policy: 'cost-deadline', seed: 7 });
    expect(overloaded.refused).toBeGreaterThan(0);
    expect(overloaded.met + overloaded.refused).toBeLessThanOrEqual(4000);
  });

  it('survives spot preemptions: with notice nothing is lost or retried; without, what the endpoints held is placed again or counted lost', () => {
    const noticed = run('cost-deadline', { preemption: { everyS: 0.5, noticeS: 5, replaceAfterS: 2 } });
    expect(noticed.preemptions).toBeGreaterThan(20);
    expect([noticed.retried, noticed.lost]).toEqual([0, 0]);
    const hard = run('round-robin', { preemption: { everyS: 0.5, noticeS: 0, replaceAfterS: 2 } });
    expect(hard.preemptions).toBeGreaterThan(20);
    expect(hard.retried).toBeGreaterThan(0);
    // Every request is accounted for: met, refused at arrival, lost to a preemption, or late.
    expect(hard.met + hard.refused + hard.lost).toBeLessThanOrEqual(4000);
    expect(hard.met).toBeGreaterThan(3000);
  });
});
