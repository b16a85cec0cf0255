import { type BrokerPool, isSplitflowError, type WorkEstimate } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createScheduler, type PlacementRequest } from '../scheduler/scheduler.js';
import { createLoadMeter } from './load-meter.js';
import { withLoadMeter } from './metered-scheduler.js';

const pool = (name: string, costPerHour: number, preemptible: boolean): BrokerPool => ({
  name,
  hardware: 'cpu',
  protocol: 'oip-v2',
  costPerHour,
  maxConcurrency: 1,
  models: ['m'],
  endpoints: [{ url: `http://${name}.invalid:1` }],
  throughput: { gflops: 1, fixedOverheadMs: 0 },
  ...(preemptible ? { preemptible: true } : {}),
});
const work: WorkEstimate = { flops: 5e6, bytes: 0 }; // 5 ms on either pool
const request = (priority: 'interactive' | 'batch', deadlineMs: number): PlacementRequest => ({
  model: 'm',
  work,
  batch: 1,
  bytes: 0,
  priority,
  deadlineMs,
  hardDeadline: true,
});

function rig() {
  let t = 0;
  const meter = createLoadMeter({ now: () => t });
  const s = withLoadMeter(createScheduler([pool('on-demand', 1, false), pool('spot', 0.3, true)], { now: () => t }), meter);
  const refusal = (r: PlacementRequest) => {
    try {
      s.decide(r);
    } catch (error) {
      return isSplitflowError(error) ? error.code : String(error);
    }
    return undefined;
  };
  const refused = () => {
    t = 500;
    const load = meter.snapshot(1000).pools;
    return { onDemand: load.get('on-demand')?.interactive.refusedPerS ?? 0, spot: load.get('spot')?.interactive.refusedPerS ?? 0 };
  };
  return { s, refusal, refused };
}

describe('scheduler with a load meter', () => {
  it('counts an interactive refusal in the plan of the on-demand pool that should serve it, not the cheaper spot pool', () => {
    const { s, refusal, refused } = rig();
    // Both pools busy: an interactive request on on-demand, a batch one on spot.
    const a = s.decide(request('interactive', 100));
    expect(a.pool.name).toBe('on-demand');
    s.begin(a);
    const b = s.decide(request('batch', 10_000));
    expect(b.pool.name).toBe('spot');
    s.begin(b);
    // 5 ms of service fits 8 ms; 5 ms of wait ahead of it on either pool does not.
    expect(refusal(request('interactive', 8))).toBe('DEADLINE_UNMEETABLE');
    const r = refused();
    expect(r.onDemand).toBeGreaterThan(0);
    expect(r.spot).toBe(0);
  });

  it('counts nowhere a deadline no capacity meets: missed with nothing ahead', () => {
    const { refusal, refused } = rig();
    expect(refusal(request('interactive', 3))).toBe('DEADLINE_UNMEETABLE');
    expect(refused()).toEqual({ onDemand: 0, spot: 0 });
  });
});
