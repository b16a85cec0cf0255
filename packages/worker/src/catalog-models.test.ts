import { SPLITFLOW_PARAMS } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { responseIssues } from '@splitflow/test-fixtures/oip-spec';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';

// The catalog's other shapes of model: INT64 token ids with a second symbolic dim (text-m), and a
// model with a scalar input and its batch dim on axis 1 of another input (vad), which cannot batch.

let app: FastifyInstance;
let lone: FastifyInstance;
beforeAll(async () => {
  app = await buildWorker({ catalog: CATALOG_PATH, models: ['text-m', 'vad'], batching: { maxBatch: 8, maxQueueDelayUs: 100_000 } });
  lone = await buildWorker({ catalog: CATALOG_PATH, models: ['text-m'], batching: { maxBatch: 1 } });
});
afterAll(async () => {
  await Promise.all([app?.close(), lone?.close()]);
});

type Answer = { status: number; data: number[]; batch: number; shape: number[] };
async function send(target: FastifyInstance, model: string, inputs: unknown[]): Promise<Answer> {
  const res = await target.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { inputs } });
  expect(responseIssues(res.statusCode === 200 ? 'inference_response' : 'inference_error_response', res)).toEqual([]);
  const body = res.json() as { outputs?: { data: number[]; shape: number[] }[]; parameters?: Record<string, number> };
  return {
    status: res.statusCode,
    data: body.outputs?.[0]?.data ?? [],
    shape: body.outputs?.[0]?.shape ?? [],
    batch: body.parameters?.[SPLITFLOW_PARAMS.batchSize] ?? 0,
  };
}

const ids = (rows: number, seq: number, seed: number) => ({
  name: 'input_ids',
  datatype: 'INT64',
  shape: [rows, seq],
  data: Array.from({ length: rows * seq }, (_, i) => (i * 7 + seed * 13) % 100),
});

describe('catalog models beyond FP32 MLPs', () => {
  it('text-m: requests merge only with others of the same sequence length; rows come back as the merged run computed them', async () => {
    const requests = [ids(1, 8, 1), ids(2, 16, 2), ids(1, 8, 3), ids(1, 16, 4), ids(2, 8, 5)];
    const merged = await Promise.all(requests.map((r) => send(app, 'text-m', [r])));
    expect(merged.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // seq 8: 1 + 1 + 2 rows in one run; seq 16: 2 + 1 rows in another.
    expect(merged.map((a) => a.batch)).toEqual([4, 3, 4, 3, 4]);
    // The same rows sent as one request of that batch size: each request's slice, bit for bit.
    for (const group of [
      [0, 2, 4],
      [1, 3],
    ]) {
      const rows = group.map((i) => requests[i] as ReturnType<typeof ids>);
      const whole = await send(lone, 'text-m', [
        { ...rows[0], shape: [rows.reduce((n, r) => n + (r.shape[0] as number), 0), rows[0]?.shape[1]], data: rows.flatMap((r) => r.data) },
      ]);
      expect(group.flatMap((i) => merged[i]?.data ?? [])).toEqual(whole.data);
    }
    // Against lone runs: onnxruntime's own kernels round text-m's rows differently at different batch
    // sizes (in-process too, with every graph optimisation off: up to 5e-7), so only close here.
    for (const [i, r] of requests.entries()) {
      const alone = await send(lone, 'text-m', [r]);
      expect(merged[i]?.shape).toEqual([r.shape[0], 8]);
      for (const [k, v] of (merged[i]?.data ?? []).entries()) expect(Math.abs(v - (alone.data[k] as number))).toBeLessThan(1e-5);
    }
  });

  it('text-m: a sequence longer than its bound is refused', async () => {
    const res = await app.inject({ method: 'POST', url: '/v2/models/text-m/infer', payload: { inputs: [ids(1, 513, 0)] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_TENSOR', error: expect.stringMatching(/seq.*\[1, 512\], got 513/) });
  });

  it('vad: a scalar input and a batch dim on axis 1; runs one request at a time', async () => {
    const meta = await app.inject({ method: 'GET', url: '/v2/models/vad' });
    expect(meta.json()).toMatchObject({ properties: { max_batch: '1' } });
    const inputs = (rows: number) => [
      { name: 'input', datatype: 'FP32', shape: [rows, 576], data: Array.from({ length: rows * 576 }, (_, i) => Math.sin(i / 10) / 2) },
      { name: 'state', datatype: 'FP32', shape: [2, rows, 128], data: new Array(2 * rows * 128).fill(0) },
      { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
    ];
    const answers = await Promise.all([send(app, 'vad', inputs(1)), send(app, 'vad', inputs(2))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.shape)).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(answers.map((a) => a.batch)).toEqual([1, 1]);
    for (const a of answers) for (const p of a.data) expect(p).toBeGreaterThanOrEqual(0);
  });
});
