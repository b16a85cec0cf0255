import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { cleanRun, runFuzz, runOutcome, tinyReferenceOf } from '@splitflow/test-fixtures/fuzz-run';
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
      reference: tinyReferenceOf(worker.app),
    });
    expect(runOutcome(report)).toEqual(cleanRun(400));
    expect(Object.keys(report.kinds).length).toBeGreaterThan(25);
  });
});
