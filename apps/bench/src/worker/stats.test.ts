import { describe, expect, it } from 'vitest';
import { percentile, summarize, summaryInMs } from './stats.js';

describe("the benches' latency summary", () => {
  it('takes nearest-rank percentiles of the samples in any order', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1
    expect(
      percentile(
        [...samples].sort((a, b) => a - b),
        50,
      ),
    ).toBe(50);
    expect(summarize(samples)).toEqual({ n: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(summarize([]).n).toBe(0);
  });

  it('gives the broker benches the same numbers under ms names, to the microsecond', () => {
    expect(summaryInMs(summarize([0.12345, 0.2, 0.30001]))).toEqual({ n: 3, p50Ms: 0.2, p90Ms: 0.3, p99Ms: 0.3, meanMs: 0.208 });
  });
});
