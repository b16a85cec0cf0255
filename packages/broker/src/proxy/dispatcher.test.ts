import { type BrokerPool, isSplitflowError, SplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createHealthChecker } from '../health/health-checker.js';
import { createLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { createScheduler } from '../scheduler/scheduler.js';
import { createDispatcher, type DispatchInput } from './dispatcher.js';
import type { Upstream, UpstreamRequest } from './upstream.js';

// The dispatcher against a scripted upstream (the seam upstream.test.ts covers for real): how many
// attempts it reports, and what a hard deadline does to the wait for an answer.

const pool = (endpoints: number): BrokerPool => ({
  name: 'cpu',
  hardware: 'cpu',
  protocol: 'oip-v2',
  endpoints: Array.from({ length: endpoints }, (_, i) => ({ url: `http://e${i}.invalid:1` })),
  costPerHour: 1,
  maxConcurrency: 2,
  models: ['m'],
  throughput: { gflops: 100, fixedOverheadMs: 0.1 },
});

function setup(endpoints: number, answer: (url: string, req: UpstreamRequest) => Promise<{ status: number }>, endpointInAnswers = false) {
  const scheduler = createScheduler([pool(endpoints)]);
  const calls: { url: string; timeoutMs: number }[] = [];
  const upstream: Upstream = {
    async request(url, req) {
      calls.push({ url, timeoutMs: req.timeoutMs });
      const { status } = await answer(url, req);
      const body = status === 200 ? { model_name: 'm', outputs: [] } : { error: 'x', code: 'INFERENCE_FAILED' };
      return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
    },
    close: async () => {},
  };
  const health = createHealthChecker(scheduler.pools, upstream, { unhealthyAfter: 1 });
  const dispatcher = createDispatcher({
    scheduler,
    upstream,
    health,
    metrics: createMetrics(scheduler.pools),
    logger: createLogger('silent'),
    maxAttempts: 3,
    upstreamTimeoutMs: 30_000,
    endpointInAnswers,
  });
  return { dispatcher, calls, scheduler };
}

const input = (deadlineMs: number, hardDeadline: boolean): DispatchInput => ({
  model: 'm',
  body: Buffer.from('{}'),
  contentType: 'application/json',
  placement: { model: 'm', work: { flops: 1000, bytes: 0 }, batch: 1, bytes: 10, priority: 'interactive', hardDeadline },
  deadlineAt: performance.now() + deadlineMs,
  requestId: 'r1',
});

describe('dispatcher', () => {
  it('reports the attempts it made when it runs out of endpoints before maxAttempts', async () => {
    const one = setup(1, async () => ({ status: 500 }));
    const result = await one.dispatcher.dispatch(input(10_000, false));
    expect(result.status).toBe(500);
    expect(one.calls).toHaveLength(1);
    expect(result.headers['splitflow-attempts']).toBe('1');
    const two = setup(2, async () => ({ status: 500 }));
    expect((await two.dispatcher.dispatch(input(10_000, false))).headers['splitflow-attempts']).toBe('2');
    expect(two.calls).toHaveLength(2);
  });

  it('waits for an answer no longer than the time left before a hard deadline, and then neither retries nor blames the endpoint', async () => {
    const { dispatcher, calls, scheduler } = setup(
      2,
      (_url, req) => new Promise((_resolve, reject) => setTimeout(() => reject(new SplitflowError('TIMEOUT', { message: 'no answer' })), req.timeoutMs)),
    );
    let caught: unknown;
    try {
      await dispatcher.dispatch(input(200, true));
    } catch (error) {
      caught = error;
    }
    expect(isSplitflowError(caught, 'TIMEOUT')).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.timeoutMs).toBeLessThanOrEqual(200);
    expect(scheduler.pools[0]?.healthyCount).toBe(2);
    // A soft deadline keeps the configured patience.
    const soft = setup(1, async () => ({ status: 200 }));
    await soft.dispatcher.dispatch(input(200, false)).catch(() => undefined);
    expect(soft.calls[0]?.timeoutMs).toBe(30_000);
  });

  it("names the endpoint's internal URL in answers only when configured to", async () => {
    const hidden = await setup(1, async () => ({ status: 200 })).dispatcher.dispatch(input(10_000, false));
    expect(JSON.parse(hidden.body.toString()).parameters['splitflow.endpoint']).toBeUndefined();
    const shown = await setup(1, async () => ({ status: 200 }), true).dispatcher.dispatch(input(10_000, false));
    expect(JSON.parse(shown.body.toString()).parameters['splitflow.endpoint']).toBe('http://e0.invalid:1');
  });
});
