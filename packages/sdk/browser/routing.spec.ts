import { expect, test } from '@playwright/test';
import { type Broker, buildBroker } from '@splitflow/broker';
import type { BrokerConfig } from '@splitflow/contract';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { clientOptions as baseOptions, type Fixture, makeFixture, ok, open, X } from './fixture.js';
import type { PlainTensor } from './page.js';

// Auto routing is a property of the page, not of the moment: the same page, loaded again and again on
// this busy machine, decides the same way where the case is clear-cut. Real Chromium, a real worker
// (onnxruntime-node) behind a real broker that serves only `mlp` of the fixture's `mlp` and `double`.

const LOADS = 10;
const ONE_ROW: PlainTensor = { datatype: 'FP32', shape: [1, 4], data: [0.5, -1, 2, 0.25] };

let fixture: Fixture;
let worker: RunningWorker;
let broker: Broker;
let brokerPort: number;

test.beforeAll(async () => {
  fixture = await makeFixture();
  worker = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir, intraOpThreads: 1 });
  const config: BrokerConfig = {
    pools: [cpuPool(worker.url, ['mlp'], { name: 'cpu-pool' })],
    anonymous: { rateLimit: { requestsPerSecond: 1000, burst: 1000 }, maxConcurrency: 64 },
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog: fixture.catalog, healthChecks: false });
  brokerPort = Number(new URL(await broker.listen()).port);
});
test.afterAll(async () => {
  await broker?.close();
  await worker?.close();
});

test(`the same page loaded ${LOADS} times makes the same auto choices`, async ({ page }) => {
  test.setTimeout(LOADS * 60_000);
  const seen: { load: number; gflops: unknown; mlp: string; double: string }[] = [];
  for (let load = 0; load < LOADS; load++) {
    await open(page);
    // The default probe and the default speed floor: what an app gets without tuning.
    const options = baseOptions(fixture.catalogUrl, { broker: `/cloud/${brokerPort}`, probe: {}, policy: { minDeviceGflops: 0.05 } });
    const profile = ok(await page.evaluate((o) => window.t.create('c', o), options));
    ok(await page.evaluate(() => window.t.prefetch('c', 'mlp')));
    const budget = { latencyBudgetMs: 30_000 };
    // A few hundred flops on a warm session against a round trip, a broker and a worker: local by far.
    const mlp = ok(await page.evaluate(([x, o]) => window.t.infer('c', 'mlp', { x }, o), [X, budget] as const));
    // The broker does not serve `double`: auto must not send it there, and must say why.
    const double = ok(await page.evaluate(([x, o]) => window.t.infer('c', 'double', { x }, o), [ONE_ROW, budget] as const));
    seen.push({ load, gflops: profile.gflops, mlp: `${mlp.route.where}: ${mlp.route.reason}`, double: `${double.route.where}: ${double.route.reason}` });
    expect(mlp.route.where, JSON.stringify(seen)).toBe('local');
    expect(mlp.route.reason, JSON.stringify(seen)).toMatch(/^auto: local is faster/);
    expect(double.route.where, JSON.stringify(seen)).toBe('local');
    expect(double.route.fallback).toBeUndefined();
    expect(double.route.reason).toBe('local: the cloud endpoint does not serve "double"');
    expect(double.outputs.y?.data).toEqual(ONE_ROW.data.map((v) => 2 * v));
    ok(await page.evaluate(() => window.t.dispose('c')));
  }
  test.info().annotations.push({ type: 'loads', description: JSON.stringify(seen) });
});
