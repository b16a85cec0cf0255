import { describe, expect, it } from 'vitest';
import { BURSTGPT_HOURLY, dailyTrace, meanToPeak, rateAt } from './daily-trace.js';
import { provisionedCost } from './replica-ledger.js';

const classes = [
  { name: 'i', weight: 3 },
  { name: 'b', weight: 1 },
];

describe('the daily trace', () => {
  it('follows the hourly shape: as many requests as the curve holds, the peak hour busiest, the night quiet', () => {
    const o = { dayS: 240, peakRate: 50, classes, cv: 2, seed: 3 };
    const trace = dailyTrace(o);
    expect(dailyTrace(o)).toEqual(trace);
    const expected = o.dayS * o.peakRate * meanToPeak();
    expect(trace.length / expected).toBeGreaterThan(0.85);
    expect(trace.length / expected).toBeLessThan(1.15);
    const perHour = Array.from({ length: 24 }, (_, h) => trace.filter((a) => a.atMs >= h * 10_000 && a.atMs < (h + 1) * 10_000).length);
    const night = perHour.slice(3, 8).reduce((s, n) => s + n, 0);
    const afternoon = perHour.slice(14, 17).reduce((s, n) => s + n, 0);
    expect(afternoon).toBeGreaterThan(10 * night);
    expect(trace.every((a, i) => i === 0 || a.atMs >= (trace[i - 1]?.atMs ?? 0))).toBe(true);
    const batch = trace.filter((a) => a.cls === 1).length / trace.length;
    expect(batch).toBeGreaterThan(0.2);
    expect(batch).toBeLessThan(0.3);
  });

  it('scales so the busiest hour is the peak rate, and its gaps are burstier than Poisson at cv 2', () => {
    expect(rateAt((15.5 / 24) * 100, { dayS: 100, peakRate: 10 })).toBeCloseTo((10 * 185) / 190, 5);
    expect(rateAt((16.5 / 24) * 100, { dayS: 100, peakRate: 10 })).toBeCloseTo(10, 5);
    expect(meanToPeak()).toBeCloseTo(BURSTGPT_HOURLY.reduce((s, v) => s + v, 0) / 24 / 190, 9);
    // A flat curve isolates the gaps: their coefficient of variation is the cv asked for.
    const flat = dailyTrace({ dayS: 200, peakRate: 100, classes, cv: 2, seed: 5, hourly: Array(24).fill(1) });
    const gaps = flat.slice(1).map((a, i) => a.atMs - (flat[i]?.atMs ?? 0));
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(10, 0);
    expect(sd / mean).toBeGreaterThan(1.7);
    expect(sd / mean).toBeLessThan(2.3);
  });
});

describe('provisioned cost', () => {
  it('counts every replica for the time it ran inside the window, at its pool price', () => {
    const cost = provisionedCost(
      [
        { pool: 'od', url: 'a', spawnedMs: -5000, exitedMs: undefined }, // before the window: from its start
        { pool: 'od', url: 'b', spawnedMs: 1000, exitedMs: 2000 },
        { pool: 'od', url: 'c', spawnedMs: 2000, exitedMs: 3000 }, // replaces b at the same instant
        { pool: 'spot', url: 'd', spawnedMs: 500, exitedMs: 99_000 }, // past the window: to its end
      ],
      { od: 3600, spot: 360 },
      0,
      3600,
    );
    expect(cost.od?.replicaS).toBeCloseTo(3.6 + 1 + 1, 9);
    expect(cost.od?.usd).toBeCloseTo(5.6, 9);
    expect(cost.od?.peakReplicas).toBe(2);
    expect(cost.spot).toEqual({ replicaS: 3.1, usd: 3.1 / 10, peakReplicas: 1 });
    expect(() => provisionedCost([{ pool: 'x', url: 'e', spawnedMs: 0 }], {}, 0, 1)).toThrow(/no price for pool x/);
  });
});
