import { Pool } from 'undici';
import { percentile } from '../worker/stats.js';

// Load-generation helpers shared by the broker benchmarks.

export interface LatencySummary {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { n: sorted.length, p50Ms: r(percentile(sorted, 50)), p90Ms: r(percentile(sorted, 90)), p99Ms: r(percentile(sorted, 99)), meanMs: r(mean) };
}

/**
 * Closed loop, one connection, one request at a time, timed with hrtime: the latency a proxy adds
 * shows at microsecond resolution (autocannon's histogram has millisecond buckets).
 */
export async function sequentialLatency(
  url: string,
  path: string,
  body: string,
  headers: Record<string, string>,
  count: number,
  warmup = 200,
): Promise<LatencySummary> {
  const pool = new Pool(url, { connections: 1, pipelining: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
      const t0 = process.hrtime.bigint();
      const res = await pool.request({ method: 'POST', path, headers, body });
      await res.body.arrayBuffer();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.statusCode !== 200) throw new Error(`${url}${path} answered ${res.statusCode}`);
      if (i >= warmup) samples.push(ms);
    }
  } finally {
    await pool.close();
  }
  return summarize(samples);
}
