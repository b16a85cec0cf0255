import { type ModelCatalog, validateCatalog } from '@splitflow/contract';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { CATALOG_PATH, readCatalog } from '@splitflow/test-fixtures/catalog-models';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from './build-broker.js';

// A request whose values make the model fail (token ids past text-m's vocabulary) is the client's
// fault: a 400, never retried, never counted against the endpoint. Real worker (onnxruntime-node,
// the catalog's text-m and tiny), real broker, real HTTP on loopback.

const KEY = 'request-faults-key-0001';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const MODEL_DIR = CATALOG_PATH.replace(/catalog\.json$/, 'build');

let catalog: ModelCatalog;
/** The same catalog without text-m's declared id range: the model itself meets the bad ids. */
let unchecked: ModelCatalog;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  catalog = await readCatalog();
  unchecked = validateCatalog({
    ...catalog,
    models: catalog.models.map((m) => ({ ...m, inputs: m.inputs.map(({ range: _range, ...spec }) => spec) })),
  });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
});

async function stack(workerCatalog: ModelCatalog): Promise<{ broker: Broker; url: string }> {
  const worker = await startWorker({ catalog: workerCatalog, modelDir: MODEL_DIR, models: ['tiny', 'text-m'], intraOpThreads: 1 });
  workers.push(worker);
  const broker = await buildBroker(
    {
      pools: [cpuPool(worker.url, ['tiny', 'text-m'], { costPerHour: 1, maxConcurrency: 2, throughput: { gflops: 10, fixedOverheadMs: 1 } })],
      tenants: [{ id: 'acme', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      log: { level: 'silent' },
      // Ejection after one failure: any request-caused failure counted against the endpoint would show.
      health: { unhealthyAfter: 1 },
    },
    { catalog, healthChecks: false },
  );
  return { broker, url: await broker.listen() };
}

const textBody = (ids: number[]) => JSON.stringify({ inputs: [{ name: 'input_ids', datatype: 'INT64', shape: [1, ids.length], data: ids }] });
const tinyBody = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array.from({ length: 64 }, (_, i) => i / 64) }] });

async function post(url: string, model: string, body: string) {
  const res = await fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', headers: auth, body });
  return { status: res.status, attempts: res.headers.get('splitflow-attempts'), body: (await res.json()) as { code?: string; error?: string } };
}

describe('a request that makes the model fail', () => {
  it('is a 400 INPUT_REJECTED from the model, tried once, and the endpoint stays in service', async () => {
    const { broker, url } = await stack(unchecked);
    try {
      for (const id of [99_999, -20_000]) {
        const bad = await post(url, 'text-m', textBody([1, id, 3]));
        expect(bad.status, JSON.stringify(bad.body)).toBe(400);
        expect(bad.body.code).toBe('INPUT_REJECTED');
        expect(bad.body.error).toMatch(/out of data bounds/);
        // No runtime source paths reach the client.
        expect(bad.body.error).not.toMatch(/onnxruntime_src|\.cc:|\.h:/);
        expect(bad.attempts).toBe('1');
      }
      const good = await post(url, 'tiny', tinyBody);
      expect(good.status).toBe(200);
      const ok = await post(url, 'text-m', textBody([1, 2, 3]));
      expect(ok.status).toBe(200);
      const ready = await fetch(`${url}/v2/health/ready`);
      expect(ready.status).toBe(200);
      expect(broker.scheduler.pools[0]?.healthyCount).toBe(1);
    } finally {
      await broker.close();
    }
  });

  it("is refused before the run when the manifest states the input's range", async () => {
    const { broker, url } = await stack(catalog);
    try {
      for (let i = 0; i < 2; i++) {
        const bad = await post(url, 'text-m', textBody([5, 16_384]));
        expect(bad.status).toBe(400);
        expect(bad.body.code).toBe('INVALID_TENSOR');
        expect(bad.body.error).toMatch(/element 1 is 16384, outside the model's range \[0, 16383\]/);
      }
      expect((await post(url, 'tiny', tinyBody)).status).toBe(200);
      expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);
    } finally {
      await broker.close();
    }
  });
});
