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
const work: WorkEstimate = { flops: 50e6, bytes: 0 }; // 50 ms on either pool
const request = (priority: 'interactive'): PlacementRequest => ({
  model: 'm',
  work,
  batch: 1,
  bytes: 0,
  priority,
  deadlineMs: 10,
  hardDeadline: true,
});

describe('scheduler with a load meter', () => {
  it('counts an interactive refusal in the plan of the on-demand pool that should serve it, not the cheaper spot pool', () => {
    let t = 0;
    const meter = createLoadMeter({ now: () => t });
    const s = withLoadMeter(createScheduler([pool('on-demand', 1, false), pool('spot', 0.3, true)], { now: () => t }), meter);
    let code: string | undefined;
    try {
      s.decide(request('interactive'));
    } catch (error) {
      code = isSplitflowError(error) ? error.code : String(error);
    }
    expect(code).toBe('DEADLINE_UNMEETABLE');
    t = 500;
    const load = meter.snapshot(1000).pools;
    expect(load.get('on-demand')?.interactive.refusedPerS).toBeGreaterThan(0);
    expect(load.get('spot')?.interactive.refusedPerS ?? 0).toBe(0);
  });
});
