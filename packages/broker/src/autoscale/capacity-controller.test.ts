import type { BrokerPool } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createPoolState } from '../scheduler/pool-state.js';
import { createCapacityController } from './capacity-controller.js';
import { createLoadMeter } from './load-meter.js';

const config: BrokerPool = {
  name: 'cpu',
  hardware: 'cpu',
  protocol: 'oip-v2',
  costPerHour: 1,
  maxConcurrency: 1,
  models: ['m'],
  endpoints: [{ url: 'http://cpu-0:8000' }, { url: 'http://cpu-1:8000' }],
};

/** A meter and a controller on one injected clock; `feed` records `perS` interactive answers of `serviceMs` for `ms`. */
function rig(stabilizationMs: number, measuredStartupMs = Number.NaN) {
  let t = 0;
  const now = () => t;
  const meter = createLoadMeter({ windowMs: 4000, bucketMs: 50, now });
  const pools = [createPoolState(config)];
  (pools[0] as (typeof pools)[number]).startupMs = measuredStartupMs;
  const controller = createCapacityController(
    pools,
    meter,
    { windowMs: 2000, startupMs: 500, headroom: 0, scaleDownStabilizationMs: stabilizationMs, targetWaitMs: { interactive: 5 } },
    now,
  );
  return {
    controller,
    feed(perS: number, serviceMs: number, ms: number) {
      const gap = 1000 / perS;
      for (const end = t + ms; t < end; t += gap) {
        meter.arrived('cpu', 'interactive');
        meter.served('cpu', 'interactive', serviceMs);
      }
    },
    idle(ms: number) {
      t += ms;
    },
    desired: () => controller.plan()[0]?.desiredReplicas ?? Number.NaN,
  };
}

describe('capacity controller', () => {
  it('holds a higher plan for the scale-down stabilisation window, then lets it fall; a higher one takes effect at once', () => {
    const r = rig(5000);
    r.feed(200, 20, 2000);
    const busy = r.desired();
    expect(busy).toBeGreaterThan(2);
    // The load is gone: every window empties within 2 s, but the plan holds until 5 s have passed.
    r.idle(2500);
    expect(r.desired()).toBe(busy);
    r.idle(2000);
    expect(r.desired()).toBe(busy);
    r.idle(1000);
    expect(r.desired()).toBe(1);
    // Up again: no wait.
    r.feed(200, 20, 1000);
    expect(r.desired()).toBe(busy);
  });

  it('without a stabilisation window the plan follows the load down at once', () => {
    const r = rig(0);
    r.feed(200, 20, 2000);
    expect(r.desired()).toBeGreaterThan(2);
    r.idle(2500);
    expect(r.desired()).toBe(1);
  });

  it('plans one start-up ahead on a ramp: the last window plus its rise over the one before', () => {
    const steady = rig(0);
    steady.feed(100, 2, 1000);
    const ramp = rig(0);
    ramp.feed(50, 2, 500);
    ramp.feed(100, 2, 500);
    const rate = (r: ReturnType<typeof rig>) => r.controller.plan()[0]?.classes.interactive.arrivalsPerS ?? Number.NaN;
    expect(rate(steady)).toBeCloseTo(100, 0);
    // 100/s now after 50/s before: 150/s by the time a replica asked for now is up (less a bucket's
    // worth: the earlier window ends with the first bucket of the later one).
    expect(rate(ramp)).toBeGreaterThan(135);
    expect(rate(ramp)).toBeLessThanOrEqual(150);
    expect(ramp.controller.plan()[0]?.startupMs).toBe(500);
    // Where the pool's start-up was measured at 1 s, the rise goes on for two windows: about 200/s.
    const slow = rig(0, 1000);
    slow.feed(50, 2, 500);
    slow.feed(100, 2, 500);
    expect(rate(slow)).toBeGreaterThan(175);
    expect(rate(slow)).toBeLessThanOrEqual(200);
    expect(slow.controller.plan()[0]?.startupMs).toBe(1000);
  });
});
