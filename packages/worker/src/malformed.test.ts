import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { runFuzz } from '@splitflow/test-fixtures/fuzz-run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from './start-worker.js';

// A seeded run of malformed requests over real sockets (apps/bench runs 10,000 and more): every one
// gets a typed 4xx, none a 5xx or a reset, and valid requests between them get exact answers.

const LIMIT = 1024 * 1024;
let worker: RunningWorker;

beforeAll(async () => {
  worker = await startWorker({ catalog: CATALOG_PATH, models: ['tiny'], bodyLimitBytes: LIMIT, headersTimeoutMs: 2000, requestTimeoutMs: 4000 });
});
afterAll(async () => {
  await worker?.close();
});

describe('malformed requests at the worker', () => {
  it('400 seeded malformed requests: all typed 4xx, no 5xx, no resets; valid requests between them exact', async () => {
    const report = await runFuzz({
      url: worker.url,
      seed: 13,
      count: 400,
      concurrency: 4,
      bodyLimitBytes: LIMIT,
      reference: async (row) => {
        const res = await worker.app.inject({
          method: 'POST',
          url: '/v2/models/tiny/infer',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: row }] }),
        });
        return (res.json() as { outputs: { data: number[] }[] }).outputs[0]?.data ?? [];
      },
    });
    expect(report.examples).toEqual([]);
    expect(report.sent).toBe(400);
    expect(report.typed4xx).toBe(400);
    expect(report.serverErrors).toBe(0);
    expect(report.resets).toBe(0);
    expect(Object.keys(report.kinds).length).toBeGreaterThan(25);
    expect(report.valid).toEqual({ sent: 40, exact: 40, failed: 0 });
    expect(report.health.failed).toBe(0);
  });
});
