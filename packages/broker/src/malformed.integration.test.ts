import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { CATALOG_PATH, readCatalog } from '@splitflow/test-fixtures/catalog-models';
import { cleanRun, runFuzz, runOutcome, tinyReferenceOf } from '@splitflow/test-fixtures/fuzz-run';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from './build-broker.js';

// A seeded run of malformed requests at a broker in front of a real worker (apps/bench runs 10,000 and
// more): every one gets a typed 4xx, none a 5xx or a reset, valid requests between them stay exact.

const KEY = 'malformed-key-00000001';
const LIMIT = 1024 * 1024;
let worker: RunningWorker;
let broker: Broker;
let url: string;

beforeAll(async () => {
  worker = await startWorker({ catalog: CATALOG_PATH, models: ['tiny'], intraOpThreads: 1 });
  broker = await buildBroker(
    {
      pools: [cpuPool(worker.url, ['tiny'], { costPerHour: 1, throughput: { gflops: 10, fixedOverheadMs: 1 } })],
      tenants: [{ id: 'acme', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      log: { level: 'silent' },
      limits: { maxBodyBytes: LIMIT, headersTimeoutMs: 2000, requestTimeoutMs: 4000 },
    },
    { catalog: await readCatalog(), healthChecks: false },
  );
  // Ready means an endpoint has passed a probe: take one before the health checks of the run start.
  await broker.health.probeAll();
  url = await broker.listen();
});
afterAll(async () => {
  await broker?.close();
  await worker?.close();
});

describe('malformed requests at the broker', () => {
  it('400 seeded malformed requests: all typed 4xx, no 5xx, no resets; valid requests between them exact', async () => {
    const report = await runFuzz({
      url,
      seed: 31,
      count: 400,
      concurrency: 4,
      authorization: `Bearer ${KEY}`,
      bodyLimitBytes: LIMIT,
      reference: tinyReferenceOf(worker.app),
    });
    expect(runOutcome(report)).toEqual(cleanRun(400));
    expect(report.codes.UNAUTHORIZED).toBeGreaterThan(0);
    expect(broker.scheduler.pools[0]?.healthyCount).toBe(1);
  });
});
