// Provisioned cost: every replica for the time it ran, at its pool's price, whatever it did.

export interface ReplicaSpan {
  pool: string;
  url: string;
  /** ms (performance.now) when its process was spawned. */
  spawnedMs: number;
  /** ms when its process exited; undefined while it runs. */
  exitedMs?: number;
}

export interface PoolCost {
  /** Replica-seconds inside the window. */
  replicaS: number;
  usd: number;
  /** Most replicas alive at once inside the window. */
  peakReplicas: number;
}

/**
 * Cost of the replicas inside [fromMs, toMs] per pool: each span clipped to the window, at
 * `pricePerHour[pool]`. A replica started before the window (static capacity, the autoscaler's floor)
 * counts from the window's start; one still running counts to its end.
 */
export function provisionedCost(spans: readonly ReplicaSpan[], pricePerHour: Record<string, number>, fromMs: number, toMs: number): Record<string, PoolCost> {
  const out: Record<string, PoolCost> = {};
  for (const pool of new Set(spans.map((s) => s.pool))) {
    const mine = spans.filter((s) => s.pool === pool);
    const price = pricePerHour[pool];
    if (price === undefined) throw new Error(`no price for pool ${pool}`);
    let replicaS = 0;
    const edges: [number, number][] = [];
    for (const s of mine) {
      const a = Math.max(fromMs, s.spawnedMs);
      const b = Math.min(toMs, s.exitedMs ?? toMs);
      if (b <= a) continue;
      replicaS += (b - a) / 1000;
      edges.push([a, 1], [b, -1]);
    }
    // Ends before starts at the same instant: a replacement is not counted on top of the one it replaces.
    edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let alive = 0;
    let peakReplicas = 0;
    for (const [, d] of edges) {
      alive += d;
      peakReplicas = Math.max(peakReplicas, alive);
    }
    out[pool] = { replicaS, usd: (replicaS / 3600) * price, peakReplicas };
  }
  return out;
}
