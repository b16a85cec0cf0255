import { describe, expect, it } from 'vitest';
import { createLoadMeter } from './load-meter.js';

describe('load meter', () => {
  it('counts arrivals, answers and service time per pool and class over a window', () => {
    let t = 0;
    const meter = createLoadMeter({ windowMs: 10_000, bucketMs: 1000, now: () => t });
    for (let i = 0; i < 20; i++) {
      t = i * 500; // 2 per second for 10 s
      meter.arrived('cpu', 'interactive');
      meter.served('cpu', 'interactive', 4);
    }
    meter.arrived('gpu', 'batch');
    meter.refused('gpu', 'batch');
    t = 10_000;
    const snap = meter.snapshot();
    const cpu = snap.pools.get('cpu')?.interactive;
    expect(cpu?.arrivalsPerS).toBeCloseTo(2, 6);
    expect(cpu?.servedPerS).toBeCloseTo(2, 6);
    expect(cpu?.meanServiceMs).toBe(4);
    expect(snap.pools.get('cpu')?.batch.arrivalsPerS).toBe(0);
    expect(Number.isNaN(snap.pools.get('cpu')?.batch.meanServiceMs)).toBe(true);
    expect(snap.pools.get('gpu')?.batch).toMatchObject({ arrivalsPerS: 0.2, refusedPerS: 0.1, servedPerS: 0 });
  });

  it('forgets what fell out of the window, and a short window sees a burst the long one averages away', () => {
    let t = 0;
    const meter = createLoadMeter({ windowMs: 60_000, bucketMs: 1000, now: () => t });
    meter.arrived('cpu', 'interactive');
    t = 59_000;
    for (let i = 0; i < 50; i++) meter.arrived('cpu', 'interactive');
    t = 60_000;
    expect(meter.snapshot(60_000).pools.get('cpu')?.interactive.arrivalsPerS).toBeCloseTo(51 / 60, 6);
    expect(meter.snapshot(2_000).pools.get('cpu')?.interactive.arrivalsPerS).toBeCloseTo(25, 6);
    t = 200_000;
    expect(meter.snapshot().pools.get('cpu')?.interactive.arrivalsPerS).toBe(0);
  });

  it('ignores a service time that is not a measurement', () => {
    const meter = createLoadMeter({ now: () => 5000 });
    meter.served('cpu', 'batch', Number.NaN);
    meter.served('cpu', 'batch', -1);
    expect(meter.snapshot().pools.get('cpu')?.batch.servedPerS ?? 0).toBe(0);
  });
});
