// The benchmarks' one latency summary: every bench summarises samples with `summarize`; the broker
// benches write it under `...Ms` names (`summaryInMs`), as their results files always have.

/** Latency summary in milliseconds. */
export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted samples (the broker benchmarks use it too). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, mean };
}

/** The same summary with its fields named in ms and rounded to the microsecond, as the broker benches' results carry it. */
export interface LatencySummaryMs {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function summaryInMs(s: LatencySummary): LatencySummaryMs {
  return { n: s.n, p50Ms: round(s.p50), p90Ms: round(s.p90), p99Ms: round(s.p99), meanMs: round(s.mean) };
}

export const round = (value: number, digits = 3) => Number(value.toFixed(digits));
