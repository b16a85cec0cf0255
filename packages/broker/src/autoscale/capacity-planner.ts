import type { Priority } from '@splitflow/contract';
import type { PoolState } from '../scheduler/pool-state.js';
import { serversFor } from './erlang-c.js';
import type { ClassLoad, LoadSnapshot } from './load-meter.js';

export interface CapacityOptions {
  /** Longest time a request of each class may wait for a slot. @default { interactive: 50, batch: 2000 } */
  targetWaitMs?: Partial<Record<Priority, number>>;
  /** Share of requests that must start within their target wait. @default 0.99 */
  quantile?: number;
  /** Extra load planned for, as a share of the observed: bursts between scrapes. @default 0.2 */
  headroom?: number;
  /**
   * Time for a new endpoint to start and turn healthy, ms. The plan takes the busier of the long window
   * and this short one, so a burst is answered by capacity that will be up while the burst lasts.
   * @default 10000
   */
  startupMs?: number;
  /** Long window over which load is averaged, ms. @default 60000 */
  windowMs?: number;
  /** Replicas a pool keeps at the least; 0 allows scale-to-zero where another pool serves its models. @default 1 */
  minReplicas?: number;
  /**
   * A lower plan takes effect only once it has lasted this long: the plan exported is the highest of
   * those computed within the window, as Kubernetes' HPA does with `behavior.scaleDown.stabilizationWindowSeconds`
   * (300 s by default there). A pool that shrinks at the first lull churns: the replica it stops is
   * the one it starts again at the next burst, paying the start-up each time. @default 300000
   */
  scaleDownStabilizationMs?: number;
}

export interface CapacityPlan {
  pool: string;
  /** Endpoints healthy now. */
  replicas: number;
  desiredReplicas: number;
  /** Slots (concurrent runs) one replica offers: the pool's maxConcurrency. */
  slotsPerReplica: number;
  /** Servers (slots) the queueing model needs. */
  slotsNeeded: number;
  /** The inputs behind it, per class: arrivals/s (with headroom), mean service ms, Erlangs. */
  classes: Record<Priority, { arrivalsPerS: number; meanServiceMs: number; offered: number; targetWaitMs: number }>;
  reason: string;
  /** The start-up the plan looked ahead over, ms: the pool's measured one where it has one (capacity-controller.ts). */
  startupMs?: number;
}

const DEFAULT_WAIT: Record<Priority, number> = { interactive: 50, batch: 2000 };

const idle: ClassLoad = { arrivalsPerS: 0, servedPerS: 0, meanServiceMs: Number.NaN, refusedPerS: 0 };

/** Busier of two views of a class: the one with more arrivals, its service time where known. */
function busier(a: ClassLoad, b: ClassLoad): ClassLoad {
  const top = b.arrivalsPerS > a.arrivalsPerS ? b : a;
  return Number.isNaN(top.meanServiceMs) ? { ...top, meanServiceMs: Number.isNaN(a.meanServiceMs) ? b.meanServiceMs : a.meanServiceMs } : top;
}

/**
 * Replicas each pool needs to meet its classes' target waits at the observed load: Erlang C per
 * class. Interactive requests go first at our workers, so they see only their own load; batch
 * requests queue behind everything, so the pool needs enough slots for all the load at the batch
 * target too. The larger of the two, in replicas of `maxConcurrency` slots, is the plan.
 */
export function planCapacity(pools: readonly PoolState[], long: LoadSnapshot, short: LoadSnapshot, options: CapacityOptions = {}): CapacityPlan[] {
  const quantile = options.quantile ?? 0.99;
  const headroom = options.headroom ?? 0.2;
  const minReplicas = options.minReplicas ?? 1;
  const wait: Record<Priority, number> = { ...DEFAULT_WAIT, ...options.targetWaitMs };
  return pools.map((pool) => {
    const longLoad = long.pools.get(pool.name);
    const shortLoad = short.pools.get(pool.name);
    const load = (p: Priority) => busier(longLoad?.[p] ?? idle, shortLoad?.[p] ?? idle);
    const interactive = load('interactive');
    const batch = load('batch');
    const service = (c: ClassLoad, other: ClassLoad) => (Number.isNaN(c.meanServiceMs) ? other.meanServiceMs : c.meanServiceMs);
    const sInteractive = service(interactive, batch);
    const sBatch = service(batch, interactive);
    const rate = (c: ClassLoad) => c.arrivalsPerS * (1 + headroom);
    const offered = (c: ClassLoad, s: number) => (Number.isNaN(s) ? 0 : (rate(c) * s) / 1000);
    const aInteractive = offered(interactive, sInteractive);
    const aBatch = offered(batch, sBatch);
    const classes = {
      interactive: { arrivalsPerS: rate(interactive), meanServiceMs: sInteractive, offered: aInteractive, targetWaitMs: wait.interactive },
      batch: { arrivalsPerS: rate(batch), meanServiceMs: sBatch, offered: aBatch, targetWaitMs: wait.batch },
    };
    const slotsPerReplica = Math.max(1, pool.maxConcurrency);
    const replicas = pool.healthyCount;
    const arrivals = interactive.arrivalsPerS + batch.arrivalsPerS;
    // Scale to zero only where every model of the pool has another pool to go to.
    const othersServeAll = [...pool.models].every((model) => pools.some((other) => other !== pool && other.models.has(model)));
    const floor = minReplicas === 0 && !othersServeAll ? 1 : minReplicas;
    if (arrivals === 0) {
      return {
        pool: pool.name,
        replicas,
        desiredReplicas: floor,
        slotsPerReplica,
        slotsNeeded: 0,
        classes,
        reason: floor === 0 ? 'idle: scale to zero' : 'idle',
      };
    }
    if (Number.isNaN(sInteractive) && Number.isNaN(sBatch)) {
      // Demand but no answer yet to learn a service time from: keep what is there, one more if it refuses.
      const refused = interactive.refusedPerS + batch.refusedPerS > 0;
      const desired = Math.max(floor, 1, replicas + (refused ? 1 : 0));
      return {
        pool: pool.name,
        replicas,
        desiredReplicas: desired,
        slotsPerReplica,
        slotsNeeded: desired * slotsPerReplica,
        classes,
        reason: 'no service time measured yet',
      };
    }
    const total = aInteractive + aBatch;
    // The mixed stream's mean service time: its Erlangs over its arrival rate (classes with a known service time).
    const knownRate = (Number.isNaN(sInteractive) ? 0 : rate(interactive)) + (Number.isNaN(sBatch) ? 0 : rate(batch));
    const mixedServiceMs = knownRate > 0 ? (total * 1000) / knownRate : 0;
    const forInteractive = serversFor({ offered: aInteractive, meanServiceMs: sInteractive, waitMs: wait.interactive, quantile });
    const forAll = serversFor({ offered: total, meanServiceMs: mixedServiceMs, waitMs: wait.batch, quantile });
    const slotsNeeded = Math.max(forInteractive, forAll);
    const queueing = Math.max(floor, Math.ceil(slotsNeeded / slotsPerReplica));
    // Refusals are demand the pool did not meet, whatever the queueing model makes of what it served:
    // while the pool turns away more than the quantile allows, it grows in proportion to the share
    // turned away (at most doubling in one step), and by one at the least.
    const refused = Math.max(refusedShare(shortLoad?.interactive ?? idle), refusedShare(shortLoad?.batch ?? idle));
    const unmet = refused > 1 - quantile && replicas > 0 ? Math.max(replicas + 1, Math.ceil(replicas / (1 - Math.min(0.5, refused)))) : 0;
    const desired = Math.max(queueing, unmet);
    const reason =
      unmet > queueing
        ? `refusing ${(refused * 100).toFixed(1)}% of requests: ${unmet} replicas`
        : forInteractive >= forAll
          ? `interactive: ${forInteractive} slots for ${aInteractive.toFixed(2)} Erlangs`
          : `all classes: ${forAll} slots for ${total.toFixed(2)} Erlangs`;
    return { pool: pool.name, replicas, desiredReplicas: desired, slotsPerReplica, slotsNeeded, classes, reason };
  });
}

/** Share of a class's settled requests (answered or refused) that were refused. */
function refusedShare(c: ClassLoad): number {
  const settled = c.servedPerS + c.refusedPerS;
  return settled > 0 ? c.refusedPerS / settled : 0;
}
