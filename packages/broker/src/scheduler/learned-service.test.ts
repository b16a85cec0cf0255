import { mulberry32 } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { LearnedService, TAIL_WINDOW } from './learned-service.js';
import { BATCH_BUCKETS } from './pool-state.js';

/** The tail the scheduler is to use, computed plainly: the k-th largest of the last 32 values, k = max(2, ceil(n / 10)); 0 under two. */
function oracleTail(values: readonly number[]): number {
  const window = values.slice(-TAIL_WINDOW);
  if (window.length < 2) return 0;
  const k = Math.max(2, Math.ceil(window.length / 10));
  return [...window].sort((a, b) => b - a)[k - 1] as number;
}

describe('what a pool learns of a model (LearnedService)', () => {
  it('knows nothing at first: the seed is the service time and there is no spread', () => {
    const learned = new LearnedService();
    for (let bucket = 0; bucket < BATCH_BUCKETS; bucket++) {
      expect(learned.ratio(bucket)).toBeNaN();
      expect(learned.serviceMs(bucket, 7)).toBe(7);
      expect(learned.spreadMs(bucket, 7, 1000, 1, 1000)).toBe(0);
    }
  });

  it('learns the ratio of measured to seeded time as an EWMA, per batch bucket, and scales any seed by it', () => {
    const learned = new LearnedService();
    learned.observeService(3, 2, 6, 0.2, 0); // 3x the seed
    expect(learned.ratio(3)).toBe(3);
    expect(learned.serviceMs(3, 10)).toBe(30);
    learned.observeService(3, 2, 2, 0.2, 1); // 1x: the EWMA moves a fifth of the way
    expect(learned.ratio(3)).toBeCloseTo(3 + 0.2 * (1 - 3), 12);
    // Other buckets are untouched.
    expect(learned.ratio(2)).toBeNaN();
    expect(learned.serviceMs(4, 10)).toBe(10);
  });

  it('takes no service tail from the first measurement (its error is the prior), only from later ones', () => {
    const learned = new LearnedService();
    learned.observeService(0, 1, 50, 0.2, 0);
    expect(learned.serviceTail(0)).toBeNaN();
    expect(learned.spreadMs(0, 1, 0, 1, 1000)).toBe(0);
    learned.observeService(0, 1, 50, 0.2, 0);
    expect(learned.serviceTail(0)).toBe(0); // one overshoot (of 0) held: under two values the tail is 0
  });

  it('keeps as finish tail the k-th largest of the last 32 overshoots, so one late answer is never the tail', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 20; trial++) {
      const learned = new LearnedService();
      const overshoots: number[] = [];
      const n = 1 + Math.floor(random() * 80);
      for (let i = 0; i < n; i++) {
        const predicted = 10 + random() * 10;
        const observed = predicted + (random() - 0.3) * 20; // early answers count as 0
        learned.observeFinish(5, predicted, observed, i);
        overshoots.push(Math.max(0, observed - predicted));
        expect(learned.finishTail(5)).toBe(oracleTail(overshoots));
      }
    }
    const calm = new LearnedService();
    for (let i = 0; i < TAIL_WINDOW; i++) calm.observeFinish(0, 10, i === 7 ? 61 : 10.5, i);
    expect(calm.finishTail(0)).toBeCloseTo(0.5, 12);
  });

  it('spreads by the larger tail times the scale, halving every half-life after the last observation', () => {
    const learned = new LearnedService();
    for (let i = 0; i < 4; i++) learned.observeFinish(1, 10, 14, 100); // finish tail 4 ms
    expect(learned.spreadMs(1, 2, 100, 1, 1000)).toBe(4);
    expect(learned.spreadMs(1, 2, 100, 2, 1000)).toBe(8);
    expect(learned.spreadMs(1, 2, 1100, 1, 1000)).toBeCloseTo(2, 12);
    expect(learned.spreadMs(1, 2, 2100, 1, 1000)).toBeCloseTo(1, 12);
    // A service tail in seed units is scaled by the seed: 1.5 x 10 ms beats the 4 ms finish tail.
    learned.observeService(1, 10, 10, 0.2, 100);
    // Alpha 0 holds the ratio at 1, so each of these overshoots it by 1.5.
    for (let i = 0; i < 3; i++) learned.observeService(1, 10, 25, 0, 100);
    expect(learned.serviceTail(1)).toBeCloseTo(1.5, 12);
    expect(learned.spreadMs(1, 10, 100, 1, 1000)).toBeCloseTo(15, 12);
  });

  it('ages each overshoot by its own time: an on-time answer after a burst leaves the burst decayed, a late one counts in full', () => {
    const learned = new LearnedService();
    for (let i = 0; i < 4; i++) learned.observeFinish(0, 10, 90, 0, 1000); // a burst: 80 ms late
    expect(learned.spreadMs(0, 2, 0, 1, 1000)).toBe(80);
    expect(learned.spreadMs(0, 2, 5000, 1, 1000)).toBeCloseTo(2.5, 12);
    // Five half-lives on, one answer on time: the tail is the burst's, decayed, not lifted to 80 again.
    learned.observeFinish(0, 10, 10, 5000, 1000);
    expect(learned.finishTail(0)).toBeCloseTo(2.5, 12);
    expect(learned.spreadMs(0, 2, 5000, 1, 1000)).toBeCloseTo(2.5, 12);
    expect(learned.spreadMs(0, 2, 6000, 1, 1000)).toBeCloseTo(1.25, 12);
    // Two answers late now count at their full height.
    learned.observeFinish(0, 10, 40, 6000, 1000);
    learned.observeFinish(0, 10, 40, 6000, 1000);
    expect(learned.spreadMs(0, 2, 6000, 1, 1000)).toBe(30);
    // The service tail ages the same way.
    learned.observeService(1, 10, 10, 0, 0);
    for (let i = 0; i < 3; i++) learned.observeService(1, 10, 50, 0, 0, 1000); // 4x the ratio over
    learned.observeService(1, 10, 10, 0, 2000, 1000);
    expect(learned.serviceTail(1)).toBeCloseTo(1, 12);
    // A hundred half-lives on (past the point where kept values are rescaled), the old ones count nothing.
    const long = new LearnedService();
    for (let i = 0; i < 3; i++) long.observeFinish(2, 10, 50, 0, 1000);
    long.observeFinish(2, 10, 30, 100_000, 1000);
    expect(long.finishTail(2)).toBeCloseTo(0, 12);
    long.observeFinish(2, 10, 30, 100_000, 1000);
    expect(long.finishTail(2)).toBe(20);
    expect(long.spreadMs(2, 1, 101_000, 1, 1000)).toBeCloseTo(10, 12);
  });
});
