import { rm } from 'node:fs/promises';
import { isSplitflowError, SPLITFLOW_PARAMS } from '@splitflow/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';
import { type FixtureCatalog, writeFixtureCatalog } from './testing/fixture-catalog.js';
import { responseIssues } from './testing/oip-spec.js';

// Dynamic batching against real onnxruntime sessions: merged runs must answer exactly what lone runs do.

let fixture: FixtureCatalog;
beforeAll(async () => {
  fixture = await writeFixtureCatalog();
});
afterAll(async () => {
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  data: number[];
  batchSize: number;
  queueUs: number;
}

async function send(app: FastifyInstance, model: string, rows: number[][]): Promise<Answer> {
  const res = await app.inject({
    method: 'POST',
    url: `/v2/models/${model}/infer`,
    payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() }] },
  });
  if (res.statusCode === 200) expect(responseIssues('inference_response', res)).toEqual([]);
  else expect(responseIssues('inference_error_response', res)).toEqual([]);
  const body = res.json() as { outputs?: { data: number[] }[]; parameters?: Record<string, number> };
  return {
    status: res.statusCode,
    data: body.outputs?.[0]?.data ?? [],
    batchSize: body.parameters?.[SPLITFLOW_PARAMS.batchSize] ?? 0,
    queueUs: body.parameters?.[SPLITFLOW_PARAMS.queueUs] ?? 0,
  };
}

/** Rows of varied magnitude and sign, so that any mixing of rows would show. */
const makeRows = (count: number, seed: number) =>
  Array.from({ length: count }, (_, r) => [0, 1, 2, 3].map((c) => Math.sin(seed * 97 + r * 13 + c * 7) * 10 ** ((r + c) % 4)));

describe('dynamic batching', () => {
  it('merged results equal unbatched results exactly, under concurrent requests', async () => {
    const requests = [1, 3, 2, 1, 4, 1, 2, 2].map((n, i) => makeRows(n, i)); // 16 rows in all
    const unbatched = await buildWorker({ catalog: fixture.catalogPath, models: ['mlp'], batching: { maxBatch: 1 } });
    const batched = await buildWorker({ catalog: fixture.catalogPath, models: ['mlp'], batching: { maxBatch: 16, maxQueueDelayUs: 5_000_000 } });
    try {
      const lone = [];
      for (const rows of requests) lone.push(await send(unbatched, 'mlp', rows));
      expect(lone.every((a) => a.batchSize === 1)).toBe(true);
      // 16 rows fill the batch, so the run starts at once rather than after the 5 s delay.
      const merged = await Promise.all(requests.map((rows) => send(batched, 'mlp', rows)));
      expect(merged.map((a) => a.status)).toEqual(requests.map(() => 200));
      expect(merged.map((a) => a.batchSize)).toEqual(requests.map(() => 16));
      merged.forEach((a, i) => {
        expect(a.data).toEqual(lone[i]?.data);
        expect(a.data).toHaveLength((requests[i]?.length ?? 0) * 3);
      });
    } finally {
      await Promise.all([unbatched.close(), batched.close()]);
    }
  });

  it('a request with more rows than max_batch runs alone; smaller ones still merge', async () => {
    const app = await buildWorker({ catalog: fixture.catalogPath, models: ['mlp'], batching: { maxBatch: 4, maxQueueDelayUs: 200_000 } });
    try {
      const big = makeRows(6, 1);
      const small = [makeRows(1, 2), makeRows(3, 3)];
      const [b, s1, s2] = await Promise.all([send(app, 'mlp', big), ...small.map((r) => send(app, 'mlp', r))]);
      expect(b?.batchSize).toBe(6);
      expect(s1?.batchSize).toBe(4);
      expect(s2?.batchSize).toBe(4);
      const again = await send(app, 'mlp', big);
      expect(b?.data).toEqual(again.data);
    } finally {
      await app.close();
    }
  });

  it('a model without a batch dim runs its requests one at a time', async () => {
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

  it('a full queue answers 503 OVERLOADED with Retry-After; queued work still completes', async () => {
    const app = await buildWorker({ catalog: fixture.catalogPath, models: ['mlp'], batching: { maxBatch: 64, maxQueue: 3, maxQueueDelayUs: 60_000_000 } });
    const queued = [1, 2, 3].map((i) => send(app, 'mlp', makeRows(1, i)));
    // Wait for the three to be queued: the load header reports the depth.
    for (;;) {
      const res = await app.inject({ method: 'GET', url: '/v2' });
      if (res.headers['splitflow-queue-depth'] === '3') break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const res = await app.inject({
      method: 'POST',
      url: '/v2/models/mlp/infer',
      payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
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

  it('rejects a bad batching config at build time', async () => {
    const error = await buildWorker({ catalog: fixture.catalogPath, batching: { maxBatch: 0 } }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'INVALID_DOCUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/maxBatch/);
  });
});
