import type { Priority } from '@splitflow/contract';
import type { PoolState } from '../scheduler/pool-state.js';
import { type CapacityOptions, type CapacityPlan, planCapacity } from './capacity-planner.js';
import type { ClassLoad, LoadMeter, LoadSnapshot } from './load-meter.js';

export interface CapacityController {
  /** The plan per pool now: what `splitflow_broker_pool_desired_replicas` exports. */
  plan(): CapacityPlan[];
}

/**
 * The capacity plan over time. Each plan looks one start-up ahead: a replica asked for now takes its
 * pool's measured start-up (`startupMs` until one is measured) to serve, and on a ramp the load grows
 * meanwhile, so the load planned for is the last `startupMs` window's plus its rise over the window
 * before it, continued over the start-up (never less than observed). A lower plan
 * takes effect only once it has lasted `scaleDownStabilizationMs` (the highest plan within it is
 * exported), as Kubernetes' HPA stabilises scale-down; a higher one at once.
 */
export function createCapacityController(
  pools: readonly PoolState[],
  meter: LoadMeter,
  options: CapacityOptions = {},
  now: () => number = () => performance.now(),
): CapacityController {
  const windowMs = options.windowMs ?? 60_000;
  const startupMs = options.startupMs ?? 10_000;
  const stabilizationMs = options.scaleDownStabilizationMs ?? 300_000;
  // pool -> the plans computed within the window, oldest first.
  const history = new Map<string, { at: number; desired: number }[]>();

  return {
    plan() {
      const t = now();
      // How far ahead: the pool's measured start-up where it has one, else the configured one.
      const horizon = new Map(pools.map((p) => [p.name, Number.isNaN(p.startupMs) ? startupMs : p.startupMs]));
      const ahead = rising(meter.snapshot(startupMs), meter.snapshot(startupMs, startupMs), (pool) => (horizon.get(pool) ?? startupMs) / startupMs);
      return planCapacity(pools, meter.snapshot(windowMs), ahead, options).map((planned) => {
        const p = { ...planned, startupMs: horizon.get(planned.pool) ?? startupMs };
        const seen = history.get(p.pool) ?? [];
        history.set(p.pool, seen);
        seen.push({ at: t, desired: p.desiredReplicas });
        while (seen.length > 1 && t - (seen[0] as { at: number }).at > stabilizationMs) seen.shift();
        let held = p.desiredReplicas;
        for (const s of seen) held = Math.max(held, s.desired);
        if (held === p.desiredReplicas) return p;
        return { ...p, desiredReplicas: held, reason: `${p.reason}; held at ${held} for the scale-down stabilisation window` };
      });
    },
  };
}

/**
 * The recent window's load with its rise over the window before, continued for `windows(pool)` more
 * windows: the load a start-up ahead on a ramp.
 */
function rising(recent: LoadSnapshot, before: LoadSnapshot, windows: (pool: string) => number): LoadSnapshot {
  const pools = new Map<string, Record<Priority, ClassLoad>>();
  for (const [name, load] of recent.pools) {
    const prior = before.pools.get(name);
    const ahead = (p: Priority): ClassLoad => {
      const now = load[p];
      const rise = Math.max(0, now.arrivalsPerS - (prior?.[p].arrivalsPerS ?? now.arrivalsPerS));
      return { ...now, arrivalsPerS: now.arrivalsPerS + rise * windows(name) };
    };
    pools.set(name, { interactive: ahead('interactive'), batch: ahead('batch') });
  }
  return { windowMs: recent.windowMs, pools };
}
