import { type BrokerPool, isSplitflowError, type WorkEstimate } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createScheduler, type Decision, type PlacementRequest, type Scheduler } from './scheduler.js';

// The bench's tiny/i at an overload, on the injected clock: two CPU workers of two slots, a 2 ms model
// with a 20 ms hard deadline, and another model that keeps the workers busy.
const MFLOP = 1e6;
const cpu: BrokerPool = {
  name: 'cpu',
  hardware: 'cpu',
  protocol: 'oip-v2',
  endpoints: [{ url: 'http://cpu-0.invalid:1' }, { url: 'http://cpu-1.invalid:1' }],
  costPerHour: 0.2,
  maxConcurrency: 2,
  models: ['tiny', 'vis'],
  throughput: { gflops: 1, fixedOverheadMs: 0 },
};
const tiny: PlacementRequest = {
  model: 'tiny',
  work: { flops: 2 * MFLOP, bytes: 0 } satisfies WorkEstimate, // 2 ms on this pool
  batch: 1,
  bytes: 100,
  priority: 'interactive',
  deadlineMs: 20,
  hardDeadline: true,
};
const vis: PlacementRequest = { ...tiny, model: 'vis', work: { flops: 10 * MFLOP, bytes: 0 }, deadlineMs: 1000 };

interface Phase {
  /** ms */
  until: number;
  /** The workers answer one tiny request every this many ms while any is in flight. */
  tinyGapMs: number;
  tinyComputeMs: number;
  /** Tiny requests of another broker queued at the worker, said on each tiny answer. */
  otherTiny: number;
  /** The worker's whole queue (all models, all brokers) said on each answer; undefined: no other model's work comes. */
  totalDepth: number | undefined;
}

/**
 * Drives the scheduler through phases on the clock `clock.t`: a tiny request arrives every 4 ms and is
 * sent where admitted; the workers answer this broker's tiny requests in order, one each `tinyGapMs`,
 * and, where `totalDepth` is set, one request of the other model every 10 ms. Returns, per phase,
 * how many tiny requests were admitted in its last second and how many arrived then.
 */
function drive(s: Scheduler, clock: { t: number }, phases: readonly Phase[]): { admitted: number; arrived: number }[] {
  const tinyInFlight: { d: Decision; at: number }[] = [];
  const visInFlight: { d: Decision; at: number }[] = [];
  let nextTinyAnswer = 0;
  const out: { admitted: number; arrived: number }[] = [];
  for (const phase of phases) {
    const last = { admitted: 0, arrived: 0 };
    for (; clock.t < phase.until; clock.t++) {
      const t = clock.t;
      if (tinyInFlight.length === 0) nextTinyAnswer = Math.max(nextTinyAnswer, t + phase.tinyGapMs);
      else if (t >= nextTinyAnswer) {
        const a = tinyInFlight.shift() as { d: Decision; at: number };
        s.end(a.d, 'tiny', 1, {
          computeMs: phase.tinyComputeMs,
          latencyMs: t - a.at,
          modelQueueDepth: tinyInFlight.length + phase.otherTiny,
          ...(phase.totalDepth !== undefined ? { queueDepth: phase.totalDepth } : {}),
        });
        nextTinyAnswer = t + phase.tinyGapMs;
      }
      if (phase.totalDepth !== undefined) {
        if (visInFlight.length > 0 && t - (visInFlight[0] as { at: number }).at >= 10) {
          const a = visInFlight.shift() as { d: Decision; at: number };
          s.end(a.d, 'vis', 1, { computeMs: 10, latencyMs: t - a.at, modelQueueDepth: 2, queueDepth: phase.totalDepth });
        }
        if (t % 10 === 0) {
          const d = s.decide(vis);
          s.begin(d);
          visInFlight.push({ d, at: t });
        }
      }
      if (t % 4 === 0) {
        const counted = t >= phase.until - 1000;
        if (counted) last.arrived++;
        try {
          const d = s.decide(tiny);
          s.begin(d);
          tinyInFlight.push({ d, at: t });
          if (counted) last.admitted++;
        } catch (error) {
          if (!isSplitflowError(error, 'DEADLINE_UNMEETABLE')) throw error;
        }
      }
    }
    out.push(last);
  }
  return out;
}

// At the overload the workers answer tiny every 12 ms at 6 ms of compute with 3 of another broker's
// tiny requests queued: this broker's tiny requests wait about 100 ms, and it refuses tiny.
const overload: Omit<Phase, 'until'> = { tinyGapMs: 12, tinyComputeMs: 6, otherTiny: 3, totalDepth: 30 };

describe('scheduler: a tight deadline after an overload', () => {
  it('refuses tiny at the overload, and admits it again once its own queue is gone, though other models keep the workers busy', () => {
    const clock = { t: 0 };
    const s = createScheduler([cpu], { now: () => clock.t });
    const [calm, over, after] = drive(s, clock, [
      { until: 1000, tinyGapMs: 1, tinyComputeMs: 2, otherTiny: 0, totalDepth: 30 },
      { until: 2000, ...overload },
      // Tiny is quick again, but the workers' whole queue stays long with the other model's work.
      { until: 6000, tinyGapMs: 1, tinyComputeMs: 2, otherTiny: 0, totalDepth: 30 },
    ]);
    expect(calm).toEqual({ admitted: 250, arrived: 250 });
    expect(over?.admitted).toBeLessThan(over?.arrived as number);
    // Refused on evidence no answer renews, it would stay refused: the whole queue stood in for
    // tiny's once tiny's own report lapsed.
    expect(after).toEqual({ admitted: 250, arrived: 250 });
    expect(s.decide(tiny).waitMs).toBe(0);
  });

  it('keeps admitting tiny once it is quick again: an on-time answer does not lift the overload tail back up', () => {
    const clock = { t: 0 };
    const s = createScheduler([cpu], { now: () => clock.t });
    const [, , after] = drive(s, clock, [
      { until: 1000, tinyGapMs: 1, tinyComputeMs: 2, otherTiny: 0, totalDepth: undefined },
      { until: 2000, ...overload, totalDepth: undefined },
      { until: 6000, tinyGapMs: 1, tinyComputeMs: 2, otherTiny: 0, totalDepth: undefined },
    ]);
    // Each rare admission's answer restarted the decay of the tail the overload left, at its full height.
    expect(after).toEqual({ admitted: 250, arrived: 250 });
  });

  it('still refuses tiny while the overload lasts', () => {
    const clock = { t: 0 };
    const s = createScheduler([cpu], { now: () => clock.t });
    const [, over] = drive(s, clock, [
      { until: 1000, tinyGapMs: 1, tinyComputeMs: 2, otherTiny: 0, totalDepth: 30 },
      { until: 5000, ...overload },
    ]);
    // The fix does not admit what the overload cannot serve: its late answers' tail holds tiny refused.
    expect(over?.admitted).toBeLessThan((over?.arrived as number) / 10);
  });
});
