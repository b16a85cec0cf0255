import { encodeInferRequest, isSplitflowError, LOAD_HEADERS, type NamedTensor, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { describe, expect, it } from 'vitest';
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

async function post(base: string, model: string, inputs: NamedTensor[], priority?: 'batch' | 'interactive') {
  const encoded = encodeInferRequest({
    inputs,
    binary: true,
    binaryOutputs: true,
    ...(priority ? { parameters: { [SPLITFLOW_PARAMS.priority]: priority } } : {}),
  });
  const res = await fetch(`${base}/v2/models/${model}/infer`, { method: 'POST', headers: encoded.headers, body: Buffer.from(encoded.body as Uint8Array) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return { queueMs: Number(res.headers.get(LOAD_HEADERS.queueUs)) / 1000, computeMs: Number(res.headers.get(LOAD_HEADERS.computeUs)) / 1000 };
}

/** A slow batch-class vision-s run, then a batch-class and an interactive tiny request while it runs. */
async function tinyWaits(config: Partial<WorkerConfig>) {
  // maxBatch 1: a batch request may otherwise ride along in an interactive request's merged run (no slot
  // needed), which is right, but hides the wait this test looks for.
  const app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'], intraOpThreads: 1, batching: { maxBatch: 1 }, ...config });
  try {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    await post(base, 'vision-s', [images(1)]);
    await post(base, 'tiny', [features()]);
    const slow = post(base, 'vision-s', [images(16)], 'batch');
    // Queued (and, with a free slot, running) as soon as the worker counts it in flight.
    for (;;) {
      const metrics = await (await fetch(`${base}/metrics`)).text();
      if (/^splitflow_worker_in_flight 1$/m.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const [batch, interactive] = await Promise.all([post(base, 'tiny', [features()], 'batch'), post(base, 'tiny', [features()], 'interactive')]);
    const run = await slow;
    return { runMs: run.computeMs, batchMs: batch.queueMs, interactiveMs: interactive.queueMs };
  } finally {
    await app.close();
  }
}

describe('splitflow.priority at the worker', () => {
  it('a batch request waits for the batch run in progress, an interactive one does not; --batch-class-runs 0 turns that off', async () => {
    const gated = await tinyWaits({});
    expect(gated.batchMs).toBeGreaterThan(gated.runMs * 0.3);
    expect(gated.interactiveMs).toBeLessThan(gated.runMs * 0.1);
    const open = await tinyWaits({ batchClassRuns: 0 });
    expect(open.batchMs).toBeLessThan(open.runMs * 0.1);
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
