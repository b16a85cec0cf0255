import { encodeInferRequest, isSplitflowError, type NamedTensor, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { describe, expect, it, vi } from 'vitest';
import { buildWorker } from './build-worker.js';
import type { WorkerConfig } from './config.js';

// The request's `splitflow.priority` reaches the worker's batch-class gate: a batch request waits for
// the batch run in progress, an interactive one does not. Real onnxruntime runs, real HTTP.

const images = (rows: number): NamedTensor => ({
  name: 'image',
  datatype: 'FP32',
  shape: [rows, 3, 224, 224],
  data: Float32Array.from({ length: rows * 3 * 224 * 224 }, (_, i) => Math.sin(i / 97)),
});
const features = (): NamedTensor => ({ name: 'features', datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).fill(0.5) });

/** Posts, and calls `arrived` as soon as the answer's head is in (the order answers arrive in is what the tests compare). */
async function post(base: string, model: string, inputs: NamedTensor[], priority?: 'batch' | 'interactive', arrived: () => void = () => {}) {
  const encoded = encodeInferRequest({
    inputs,
    binary: true,
    binaryOutputs: true,
    ...(priority ? { parameters: { [SPLITFLOW_PARAMS.priority]: priority } } : {}),
  });
  const res = await fetch(`${base}/v2/models/${model}/infer`, { method: 'POST', headers: encoded.headers, body: Buffer.from(encoded.body as Uint8Array) });
  arrived();
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/**
 * A slow batch-class vision-s run, then a batch-class and an interactive tiny request while it runs;
 * returns the order their answers arrived in. The gate releases its slot only after the slow run's
 * answer is on its way, so a gated tiny request answers after it; an ungated one needs a millisecond
 * of work against the slow run's hundreds, so it answers before it even on a busy machine.
 */
async function answerOrder(config: Partial<WorkerConfig>): Promise<string[]> {
  // maxBatch 1: a batch request may otherwise ride along in an interactive request's merged run (no slot
  // needed), which is right, but hides the wait this test looks for.
  const app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'], intraOpThreads: 1, batching: { maxBatch: 1 }, ...config });
  try {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    await post(base, 'vision-s', [images(1)]);
    await post(base, 'tiny', [features()]);
    const order: string[] = [];
    const slow = post(base, 'vision-s', [images(16)], 'batch', () => order.push('slow'));
    // Queued (and, with a free slot, running) as soon as the worker counts it in flight.
    await vi.waitFor(
      async () => {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        if (!/^splitflow_worker_in_flight 1$/m.test(metrics)) throw new Error('the slow run is not in flight yet');
      },
      { timeout: 30_000, interval: 5 },
    );
    await Promise.all([
      post(base, 'tiny', [features()], 'batch', () => order.push('batch')),
      post(base, 'tiny', [features()], 'interactive', () => order.push('interactive')),
      slow,
    ]);
    return order;
  } finally {
    await app.close();
  }
}

describe('splitflow.priority at the worker', () => {
  it('a batch request waits for the batch run in progress, an interactive one does not', async () => {
    const order = await answerOrder({});
    expect(order.indexOf('interactive')).toBeLessThan(order.indexOf('slow'));
    expect(order.indexOf('slow')).toBeLessThan(order.indexOf('batch'));
  }, 60_000);

  it('--batch-class-runs 0 turns that off: the batch request does not wait either', async () => {
    const order = await answerOrder({ batchClassRuns: 0 });
    expect(order.indexOf('batch')).toBeLessThan(order.indexOf('slow'));
    expect(order.indexOf('interactive')).toBeLessThan(order.indexOf('slow'));
  }, 60_000);

  it.each([
    [{ batchClassRuns: -1 }, /batchClassRuns must be an integer >= 0, got -1/],
    [{ smallModelThreads: 0.5 }, /smallModelThreads must be an integer >= 1 or false, got 0.5/],
  ])('%j is an INVALID_DOCUMENT startup error', async (config, message) => {
    const error = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], ...config }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'INVALID_DOCUMENT')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
