import { type Broker, buildBroker } from '@splitflow/broker';
import { type BrokerConfig, isSplitflowError, type Tensor } from '@splitflow/contract';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { type FixtureCatalog, writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../client/create-client.js';

// The SDK against the real broker (same OIP v2 surface as a worker, plus auth, quotas and pools):
// a broker with one pool over a real worker, all on loopback.
const KEY = 'sdk-test-key-000001';
// A tenant whose bucket refills slower than any machine answers: its limit is hit whatever the load.
const SLOW_KEY = 'sdk-test-key-000002';
let fixture: FixtureCatalog;
let files: StaticServer;
let worker: RunningWorker;
let broker: Broker;
let url: string;

beforeAll(async () => {
  fixture = await writeFixtureCatalog();
  files = await startStaticServer(fixture.dir);
  worker = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir, intraOpThreads: 1 });
  const config: BrokerConfig = {
    pools: [cpuPool(worker.url, ['mlp', 'double'], { name: 'cpu-pool', throughput: { gflops: 1, fixedOverheadMs: 0.05 } })],
    tenants: [
      { id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 20, burst: 2 } },
      { id: 'slow', apiKeys: [SLOW_KEY], rateLimit: { requestsPerSecond: 2, burst: 2 } },
    ],
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog: fixture.catalog, healthChecks: false });
  url = await broker.listen();
});
afterAll(async () => {
  await broker.close();
  await worker.close();
  await files.close();
});

const x = (): Tensor => ({ datatype: 'FP32', shape: [1, 4], data: Float32Array.from([0.5, -1, 2, 0.25]) });
const options = (apiKey?: string) => ({
  catalog: `${files.url}catalog.json`,
  broker: url,
  apiKey,
  caches: createMemoryCacheStorage(),
  probe: { benchmarkMs: 2 },
  policy: { minDeviceGflops: 0 },
});

describe('createClient against a real broker', () => {
  it('runs on the broker pool with the same outputs as local, and reports the pool', async () => {
    const client = await createClient(options(KEY));
    const cloud = await client.infer('mlp', { x: x() }, { mode: 'cloud-only', latencyBudgetMs: 5000 });
    expect(cloud.route).toMatchObject({ where: 'cloud', pool: 'cpu-pool', hardware: 'cpu' });
    const local = await client.infer('mlp', { x: x() }, { mode: 'local-only' });
    const a = cloud.outputs.y?.data as Float32Array;
    const b = local.outputs.y?.data as Float32Array;
    for (let i = 0; i < b.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-4);
    await client.dispose();
  });

  it('says UNAUTHORIZED without a key in cloud-only mode, and falls back to local in auto', async () => {
    const client = await createClient(options());
    const error = await client.infer('mlp', { x: x() }, { mode: 'cloud-only', latencyBudgetMs: 5000 }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'UNAUTHORIZED')).toBe(true);
    const result = await client.infer('mlp', { x: x() }, { mode: 'prefer-cloud', latencyBudgetMs: 5000 });
    expect(result.route).toMatchObject({ where: 'local', fallback: { from: 'cloud', code: 'UNAUTHORIZED' } });
    await client.dispose();
  });

  it('rides out the tenant rate limit by honouring Retry-After within the budget', async () => {
    const client = await createClient(options(SLOW_KEY));
    // Five at once against a burst of two: at least three are refused first and must retry.
    const results = await Promise.all(Array.from({ length: 5 }, () => client.infer('mlp', { x: x() }, { mode: 'cloud-only', latencyBudgetMs: 20_000 })));
    expect(results.every((r) => r.route.where === 'cloud')).toBe(true);
    expect(results.filter((r) => (r.route.timings.attempts ?? 0) > 1).length).toBeGreaterThanOrEqual(3);
    await client.dispose();
  });
});
