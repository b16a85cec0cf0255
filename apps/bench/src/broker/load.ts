import { Pool } from 'undici';
import { type LatencySummaryMs, summarize, summaryInMs } from '../worker/stats.js';

// Load-generation helpers shared by the broker benchmarks.

/**
 * The same closed loop against several targets in turn, one request each per round (the order rotates
 * every round), each over its own connection: drift of a shared, noisy machine (other tenants, CPU
 * frequency, a process still warming up) lands on every target alike instead of on whichever ran in
 * that minute. Per round it also records each target's latency less the first target's, so the added
 * latency comes with its own spread.
 */
export async function interleavedLatency(
  targets: readonly { name: string; url: string }[],
  path: string,
  body: string,
  headers: Record<string, string>,
  count: number,
  warmup = 200,
): Promise<Record<string, LatencySummaryMs & { addedP50Ms?: number }>> {
  const pools = targets.map((t) => new Pool(t.url, { connections: 1, pipelining: 1 }));
  const samples = targets.map(() => [] as number[]);
  const added = targets.map(() => [] as number[]);
  try {
    for (let i = 0; i < warmup + count; i++) {
      const round = new Array<number>(targets.length);
      for (let k = 0; k < targets.length; k++) {
        const j = (i + k) % targets.length;
        const t0 = process.hrtime.bigint();
        const res = await (pools[j] as Pool).request({ method: 'POST', path, headers, body });
        await res.body.arrayBuffer();
        round[j] = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.statusCode !== 200) throw new Error(`${targets[j]?.url}${path} answered ${res.statusCode}`);
      }
      if (i < warmup) continue;
      for (let j = 0; j < targets.length; j++) {
        samples[j]?.push(round[j] as number);
        added[j]?.push((round[j] as number) - (round[0] as number));
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  const out: Record<string, LatencySummaryMs & { addedP50Ms?: number }> = {};
  targets.forEach((t, j) => {
    const summary: LatencySummaryMs & { addedP50Ms?: number } = summaryInMs(summarize(samples[j] as number[]));
    if (j > 0) summary.addedP50Ms = summaryInMs(summarize(added[j] as number[])).p50Ms;
    out[t.name] = summary;
  });
  return out;
}
