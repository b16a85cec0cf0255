import { describe, expect, it } from 'vitest';
import { erlangC, serversFor, waitExceeds } from './erlang-c.js';

describe('Erlang C', () => {
  it('matches the closed form on small cases', () => {
    // M/M/1: an arrival waits with probability rho.
    expect(erlangC(1, 0.3)).toBeCloseTo(0.3, 12);
    // c = 2, a = 1: (a^2/2! * 2/(2-1)) / (1 + a + a^2/2! * 2/(2-1)) = 1/3.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    // c = 3, a = 2: numerator 4/3 * 3 = 4, denominator 1 + 2 + 2 + 4 = 9.
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 12);
  });

  it('is 1 at or past saturation and 0 without load', () => {
    expect(erlangC(4, 4)).toBe(1);
    expect(erlangC(4, 9)).toBe(1);
    expect(erlangC(4, 0)).toBe(0);
  });

  it('gives the M/M/1 wait tail rho * exp(-(1 - rho) t / S)', () => {
    expect(waitExceeds(1, 0.5, 10, 20)).toBeCloseTo(0.5 * Math.exp(-1), 12);
  });

  it('sizes a pool to the fewest servers that meet the quantile', () => {
    for (const offered of [0.2, 1, 3.7, 12, 80]) {
      for (const waitMs of [0, 5, 50]) {
        const input = { offered, meanServiceMs: 10, waitMs, quantile: 0.99 };
        const c = serversFor(input);
        expect(c).toBeGreaterThan(offered);
        expect(waitExceeds(c, offered, 10, waitMs)).toBeLessThanOrEqual(0.01);
        if (c - 1 > offered) expect(waitExceeds(c - 1, offered, 10, waitMs)).toBeGreaterThan(0.01);
      }
    }
    expect(serversFor({ offered: 0, meanServiceMs: 10, waitMs: 5, quantile: 0.99 })).toBe(0);
  });

  it('needs more servers for a tighter wait and fewer per Erlang as the pool grows', () => {
    const at = (offered: number, waitMs: number) => serversFor({ offered, meanServiceMs: 10, waitMs, quantile: 0.99 });
    expect(at(10, 0)).toBeGreaterThanOrEqual(at(10, 20));
    expect(at(100, 5) / 100).toBeLessThan(at(5, 5) / 5);
  });
});
