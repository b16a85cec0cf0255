import { rm } from 'node:fs/promises';
import { isSplitflowError, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { type FixtureCatalog, writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { responseIssues } from '@splitflow/test-fixtures/oip-spec';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';

// Dynamic batching against real onnxruntime sessions and the catalog's models: merged runs must
// answer exactly (bit for bit) what lone runs do.

interface Answer {
  status: number;
  data: number[];
  batchSize: number;
}

const SPECS = {
  tiny: { input: 'features', row: [64] },
  'vision-s': { input: 'image', row: [3, 224, 224] },
  double: { input: 'x', row: [4] },
} as const;
type Model = keyof typeof SPECS;

async function send(app: FastifyInstance, model: Model, rows: number[][]): Promise<Answer> {
  const spec = SPECS[model];
  const res = await app.inject({
    method: 'POST',
    url: `/v2/models/${model}/infer`,
    payload: { inputs: [{ name: spec.input, datatype: 'FP32', shape: model === 'double' ? [1, 4] : [rows.length, ...spec.row], data: rows.flat() }] },
  });
  expect(responseIssues(res.statusCode === 200 ? 'inference_response' : 'inference_error_response', res)).toEqual([]);
  const body = res.json() as { outputs?: { data: number[] }[]; parameters?: Record<string, number> };
  return { status: res.statusCode, data: body.outputs?.[0]?.data ?? [], batchSize: body.parameters?.[SPLITFLOW_PARAMS.batchSize] ?? 0 };
}

/** Rows of varied magnitude and sign (two decimals), so that any mixing of rows would show. */
const makeRows = (model: Model, count: number, seed: number) => {
  const size = SPECS[model].row.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, r) =>
    Array.from({ length: size }, (_, c) => Math.round(Math.sin(seed * 97 + r * 13 + c * 0.7) * 10 ** ((r + c) % 3) * 100) / 100),
  );
};

async function exactness(model: Model, rowsPerRequest: number[]) {
  const total = rowsPerRequest.reduce((a, b) => a + b, 0);
  const requests = rowsPerRequest.map((n, i) => makeRows(model, n, i));
  const unbatched = await buildWorker({ catalog: CATALOG_PATH, models: [model], batching: { maxBatch: 1 } });
  // All rows fill the batch exactly, so the merged run starts at once instead of after the 5 s delay.
  const batched = await buildWorker({ catalog: CATALOG_PATH, models: [model], batching: { maxBatch: total, maxQueueDelayUs: 5_000_000 } });
  try {
    const lone: Awaited<ReturnType<typeof send>>[] = [];
    for (const rows of requests) lone.push(await send(unbatched, model, rows));
    expect(lone.map((a) => a.batchSize)).toEqual(rowsPerRequest);
    const merged = await Promise.all(requests.map((rows) => send(batched, model, rows)));
    expect(merged.map((a) => a.status)).toEqual(requests.map(() => 200));
    expect(merged.map((a) => a.batchSize)).toEqual(requests.map(() => total));
    merged.forEach((a, i) => {
      expect(a.data.length).toBeGreaterThan(0);
      expect(a.data).toEqual(lone[i]?.data);
    });
  } finally {
    await Promise.all([unbatched.close(), batched.close()]);
  }
}

describe('dynamic batching', () => {
  it('tiny: merged results equal unbatched results exactly, under concurrent requests', async () => {
    await exactness('tiny', [1, 3, 2, 1, 4, 1, 2, 2]);
  });

  it('vision-s: merged results equal unbatched results exactly, under concurrent requests', async () => {
    await exactness('vision-s', [1, 2, 1, 1]);
  });

  it('a request with more rows than max_batch runs alone; smaller ones still merge', async () => {
    const app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 4, maxQueueDelayUs: 200_000 } });
    try {
      const big = makeRows('tiny', 6, 1);
      const [b, s1, s2] = await Promise.all([send(app, 'tiny', big), send(app, 'tiny', makeRows('tiny', 1, 2)), send(app, 'tiny', makeRows('tiny', 3, 3))]);
      expect([b?.batchSize, s1?.batchSize, s2?.batchSize]).toEqual([6, 4, 4]);
      expect(b?.data).toEqual((await send(app, 'tiny', big)).data);
    } finally {
      await app.close();
    }
  });

  it('a full queue answers 503 OVERLOADED with Retry-After; queued work still completes', async () => {
    const app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 64, maxQueue: 3, maxQueueDelayUs: 60_000_000 } });
    const queued = [1, 2, 3].map((i) => send(app, 'tiny', makeRows('tiny', 1, i)));
    // Wait until the three are queued: the load header reports the depth.
    for (;;) {
      const res = await app.inject({ method: 'GET', url: '/v2' });
      if (res.headers['splitflow-queue-depth'] === '3') break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const res = await app.inject({
      method: 'POST',
      url: '/v2/models/tiny/infer',
      payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: makeRows('tiny', 1, 9)[0] }] },
    });
    expect(res.statusCode).toBe(503);
    expect(responseIssues('inference_error_response', res)).toEqual([]);
    expect(res.json()).toMatchObject({ code: 'OVERLOADED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['splitflow-queue-depth']).toBe('3');
    // Closing drains the queue now instead of after the 60 s delay.
    await app.close();
    const answers = await Promise.all(queued);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.batchSize)).toEqual([3, 3, 3]);
  });

  it('with batch buckets, padded runs answer each request exactly what its lone run does', async () => {
    const rowsPerRequest = [1, 3, 2, 1];
    const requests = rowsPerRequest.map((n, i) => makeRows('tiny', n, i + 20));
    const unbatched = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 1 } });
    // 7 rows fill no bucket: the run starts when the 7th row arrives (maxBatch 7) and goes up to 8.
    const bucketed = await buildWorker({
      catalog: CATALOG_PATH,
      models: ['tiny'],
      batching: { maxBatch: 7, maxQueueDelayUs: 5_000_000, buckets: [1, 2, 4, 8] },
      modelSessions: { tiny: { graphOptimization: 'basic' } },
    });
    try {
      const meta = (await bucketed.inject({ method: 'GET', url: '/v2/models/tiny' })).json() as { properties: Record<string, string> };
      expect(meta.properties).toMatchObject({ batch_buckets: '1,2,4,8', graph_optimization: 'basic' });
      const lone: Answer[] = [];
      for (const rows of requests) lone.push(await send(unbatched, 'tiny', rows));
      const merged = await Promise.all(requests.map((rows) => send(bucketed, 'tiny', rows)));
      expect(merged.map((a) => a.batchSize)).toEqual([7, 7, 7, 7]);
      merged.forEach((a, i) => {
        expect(a.data.length).toBe(lone[i]?.data.length);
        expect(a.data).toEqual(lone[i]?.data);
      });
    } finally {
      await Promise.all([unbatched.close(), bucketed.close()]);
    }
  });

  it('rejects buckets that do not ascend or stop short of maxBatch, and session settings for a model not served', async () => {
    for (const buckets of [
      [4, 2, 8],
      [1, 2, 4],
    ]) {
      const error = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 8, buckets } }).catch((e: unknown) => e);
      expect(isSplitflowError(error, 'INVALID_DOCUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/buckets/);
    }
    const error = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], modelSessions: { large: { graphOptimization: 'disabled' } } }).catch(
      (e: unknown) => e,
    );
    expect(isSplitflowError(error, 'INVALID_DOCUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/does not serve "large"/);
  });

  it('rejects a bad batching config at build time', async () => {
    const error = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 0 } }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'INVALID_DOCUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/maxBatch/);
  });
});

describe('a model without a batch dim', () => {
  let fixture: FixtureCatalog;
  beforeAll(async () => {
    fixture = await writeFixtureCatalog();
  });
  afterAll(async () => {
    if (fixture) await rm(fixture.dir, { recursive: true, force: true });
  });

  it('runs its requests one at a time', async () => {
    const app = await buildWorker({ catalog: fixture.catalogPath, models: ['double'], batching: { maxBatch: 64, maxQueueDelayUs: 100_000 } });
    try {
      const answers = await Promise.all([1, 2, 3].map((v) => send(app, 'double', [[v, v, v, v]])));
      expect(answers.map((a) => a.batchSize)).toEqual([1, 1, 1]);
      expect(answers.map((a) => a.data)).toEqual([
        [2, 2, 2, 2],
        [4, 4, 4, 4],
        [6, 6, 6, 6],
      ]);
    } finally {
      await app.close();
    }
  });
});
