import type { BrokerPool, WorkEstimate } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createScheduler, type Decision, type PlacementRequest, type Scheduler } from './scheduler.js';

// Two broker replicas share one worker, as the bench's do: a model served one request at a time, 5 ms
// each, in arrival order, fed faster than it drains so a queue builds. Each replica learns the drain
// interval from its own answers, which come between the other's.
const MFLOP = 1e6;
const pool: BrokerPool = {
  name: 'cpu',
  hardware: 'cpu',
  protocol: 'oip-v2',
  endpoints: [{ url: 'http://cpu-0.invalid:1' }],
  costPerHour: 0.2,
  maxConcurrency: 1,
  models: ['m'],
  throughput: { gflops: 1, fixedOverheadMs: 0 },
};
const request: PlacementRequest = {
  model: 'm',
  work: { flops: 5 * MFLOP, bytes: 0 } satisfies WorkEstimate,
  batch: 1,
  bytes: 100,
  priority: 'interactive',
  deadlineMs: 1e6,
  hardDeadline: true,
};
const SERVICE_MS = 5;

describe('scheduler: the drain rate with replicas sharing the workers', () => {
  it("waits what the shared queue really takes: the other replica's work is in the interval between its own answers already", () => {
    let t = 0;
    const replicas = [createScheduler([pool], { now: () => t }), createScheduler([pool], { now: () => t })];
    const queue: { s: Scheduler; d: Decision; at: number }[] = [];
    let doneAt = Number.POSITIVE_INFINITY;
    let turn = 0;
    for (; t < 1000; t++) {
      if (queue.length > 0 && t >= doneAt) {
        const a = queue.shift() as { s: Scheduler; d: Decision; at: number };
        a.s.end(a.d, 'm', 1, { computeMs: SERVICE_MS, latencyMs: t - a.at, modelQueueDepth: queue.length, queueDepth: queue.length });
        doneAt = t + SERVICE_MS;
      }
      // One arrival every 4 ms, to each replica in turn: the queue grows by one every 20 ms.
      if (t % 4 === 0) {
        const s = replicas[turn++ % 2] as Scheduler;
        const d = s.decide(request);
        s.begin(d);
        if (queue.length === 0) doneAt = t + SERVICE_MS;
        queue.push({ s, d, at: t });
      }
    }
    const a = replicas[0] as Scheduler;
    const estimate = a.decide(request);
    // The interval between one replica's answers is two services (the other's come between); half the
    // queue is its own: the pool drains one request a service.
    expect(estimate.modelLoad.drainMs).toBeGreaterThan(0.8 * SERVICE_MS);
    expect(estimate.modelLoad.drainMs).toBeLessThan(1.2 * SERVICE_MS);
    // Truly the new request starts once the one running and every one queued have left.
    const truth = doneAt - t + (queue.length - 1) * SERVICE_MS;
    expect(queue.length).toBeGreaterThan(30);
    expect(estimate.waitMs).toBeGreaterThanOrEqual(truth - SERVICE_MS);
    expect(estimate.waitMs).toBeLessThanOrEqual(truth + 2 * SERVICE_MS);
  });
});
