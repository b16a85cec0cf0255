import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerConfig, type BrokerPool, decodeInferResponse, encodeInferRequest, type ModelCatalog } from '@splitflow/contract';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { BROKER_CLI, startCli, startStalledServer, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Broker, buildBroker } from './build-broker.js';

// Integration: real workers (onnxruntime-node, in-process or as child processes) and a real broker,
// all on loopback. "gpu" and "tpu" pools are CPU workers started with `hardware: 'gpu' | 'tpu'`:
// no GPU or TPU is reachable here; the labels and the pools' assumed throughput are what the
// scheduler sees, so routing is tested, not the accelerators.

const KEY = 'integration-key-000001';
const auth = { authorization: `Bearer ${KEY}` };

let catalog: ModelCatalog;
let catalogPath: string;
let modelDir: string;
const workers: Record<'cpuA' | 'cpuB' | 'gpu' | 'tpu', RunningWorker> = {} as never;

beforeAll(async () => {
  const fixture = await writeFixtureCatalog();
  ({ catalog, catalogPath } = fixture);
  modelDir = fixture.dir;
  const start = (hardware: 'cpu' | 'gpu' | 'tpu') => startWorker({ catalog: catalogPath, modelDir, hardware, intraOpThreads: 1 });
  [workers.cpuA, workers.cpuB, workers.gpu, workers.tpu] = await Promise.all([start('cpu'), start('cpu'), start('gpu'), start('tpu')]);
});
afterAll(async () => {
  await Promise.all(Object.values(workers).map((w) => w.close()));
});

function pool(
  name: string,
  hardware: BrokerPool['hardware'],
  urls: string[],
  costPerHour: number,
  gflops: number,
  fixedOverheadMs: number,
  models = ['mlp', 'double'],
): BrokerPool {
  return {
    name,
    hardware,
    protocol: 'oip-v2',
    endpoints: urls.map((url) => ({ url })),
    costPerHour,
    maxConcurrency: 4,
    models,
    throughput: { gflops, fixedOverheadMs },
  };
}

function baseConfig(pools: BrokerPool[], over: Partial<BrokerConfig> = {}): BrokerConfig {
  return { pools, tenants: [{ id: 'acme', apiKeys: [KEY] }], jobs: { store: 'memory' }, log: { level: 'silent' }, ...over };
}

async function listening(config: BrokerConfig): Promise<{ broker: Broker; url: string }> {
  const broker = await buildBroker(config, { catalog, healthChecks: false });
  return { broker, url: await broker.listen() };
}

const mlpInput = (rows: number) => Array.from({ length: rows * 4 }, (_, i) => ((i % 7) - 3) / 3);
const body = (rows: number, parameters: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data: mlpInput(rows) }], parameters });

/** The JSON answers these tests read: an inference response, a job receipt or an error. */
interface Answer {
  code?: string;
  id?: string;
  details?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
  outputs?: { shape: number[]; data: number[] }[];
}

function expectClose(actual: number[] | undefined, expected: number[] | undefined): void {
  expect(actual).toHaveLength(expected?.length ?? -1);
  for (const [i, v] of (expected ?? []).entries()) expect(actual?.[i]).toBeCloseTo(v, 5);
}

async function post(url: string, model: string, payload: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Answer };
}

describe('routing by deadline and cost over cpu, tpu and gpu pools', () => {
  it('places each request on the cheapest pool that meets its deadline, and refuses the impossible', async () => {
    // Priors (per mlp row: 100 flops): cpu 100 ms/row at $0.1/h; tpu 600 ms + 1 ms/row at $0.05/h; gpu 20 ms flat
    // at $4/h. The real runs take well under a millisecond, so each deadline leaves hundreds of ms for the
    // real answer on a busy machine. A broker learns the real times from its answers, which would decide
    // the next placement: each placement after the first is asked of a fresh broker, so the priors decide.
    const pools = () =>
      baseConfig([
        pool('cpu', 'cpu', [workers.cpuA.url], 0.1, 0.000001, 5),
        pool('tpu', 'tpu', [workers.tpu.url], 0.05, 0.0001, 600),
        pool('gpu', 'gpu', [workers.gpu.url], 4, 0.1, 20),
      ]);
    const placeOnFresh = async (payload: string) => {
      const fresh = await listening(pools());
      try {
        return await post(fresh.url, 'mlp', payload);
      } finally {
        await fresh.broker.close();
      }
    };
    const { broker, url } = await listening(pools());
    try {
      const direct = await post(workers.cpuA.url, 'mlp', body(64), {});
      const impossible = await post(url, 'mlp', body(64, { 'splitflow.deadline_ms': 0.01 }));
      expect(impossible.status).toBe(429);
      expect(impossible.json.code).toBe('DEADLINE_UNMEETABLE');
      expect(Number(impossible.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      const tight = await post(url, 'mlp', body(64, { 'splitflow.deadline_ms': 400 }));
      expect(tight.status).toBe(200);
      expect(tight.json.parameters).toMatchObject({ 'splitflow.pool': 'gpu', 'splitflow.hardware': 'gpu' });
      // The endpoint's internal URL is not in answers unless `exposure.endpointInAnswers` says so.
      expect(tight.json.parameters?.['splitflow.endpoint']).toBeUndefined();
      expectClose(tight.json.outputs?.[0]?.data, direct.json.outputs?.[0]?.data);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('splitflow_broker_decisions_total{pool="gpu",reason="cheapest-meeting-deadline"} 1');
      expect(metrics).toContain('splitflow_broker_refusals_total{code="DEADLINE_UNMEETABLE"} 1');
    } finally {
      await broker.close();
    }

    const medium = await placeOnFresh(body(64, { 'splitflow.deadline_ms': 3000 }));
    expect(medium.status).toBe(200);
    expect(medium.json.parameters).toMatchObject({ 'splitflow.pool': 'tpu', 'splitflow.hardware': 'tpu' });
    expect(medium.json.parameters?.['splitflow.compute_us']).toBeGreaterThan(0);

    const small = await placeOnFresh(body(1, { 'splitflow.deadline_ms': 5000 }));
    expect(small.status).toBe(200);
    expect(small.json.parameters).toMatchObject({ 'splitflow.pool': 'cpu', 'splitflow.reason': 'cheapest-meeting-deadline' });

    const batch = await placeOnFresh(body(64, { 'splitflow.priority': 'batch' }));
    expect(batch.json.parameters).toMatchObject({ 'splitflow.pool': 'tpu', 'splitflow.reason': 'cheapest-with-capacity' });
  });

  it('carries binary tensors through to the worker and back', async () => {
    const { broker, url } = await listening(baseConfig([pool('cpu', 'cpu', [workers.cpuA.url], 0.1, 1, 0.05)]));
    try {
      const encoded = encodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array([1, -2, 3, 0.5]) }], binary: true });
      const res = await fetch(`${url}/v2/models/double/infer`, {
        method: 'POST',
        headers: { ...auth, ...encoded.headers },
        body: Buffer.from(encoded.body as Uint8Array),
      });
      expect(res.status).toBe(200);
      const decoded = decodeInferResponse(new Uint8Array(await res.arrayBuffer()), res.headers.get('inference-header-content-length'));
      expect([...(decoded.outputs[0]!.data as Float32Array)]).toEqual([2, -4, 6, 1]);
      expect(decoded.response.parameters?.['splitflow.pool']).toBe('cpu');
    } finally {
      await broker.close();
    }
  });

  it('forwards large binary bodies in the chunks they arrived in, intact under concurrency, and bounds them', async () => {
    // mlp with room for 40,000-row batches (640 KB of input): bodies arrive in many socket chunks.
    const wide: ModelCatalog = {
      ...catalog,
      models: catalog.models.map((m) => (m.id === 'mlp' ? { ...m, dimBounds: { batch: { min: 1, max: 65_536 } } } : m)),
    };
    const wideDir = mkdtempSync(join(tmpdir(), 'splitflow-wide-'));
    writeFileSync(join(wideDir, 'catalog.json'), JSON.stringify(wide));
    const worker = await startWorker({ catalog: join(wideDir, 'catalog.json'), modelDir, intraOpThreads: 1 });
    const broker = await buildBroker(baseConfig([pool('cpu', 'cpu', [worker.url], 0.1, 1, 0.05, ['mlp'])], { limits: { maxBodyBytes: 1_000_000 } }), {
      catalog: wide,
      healthChecks: false,
    });
    const url = await broker.listen();
    const send = async (target: string, rows: number, seed: number) => {
      const data = Float32Array.from({ length: rows * 4 }, (_, i) => ((i * 7919 + seed * 104_729) % 1000) / 500 - 1);
      const encoded = encodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data }], binary: true, binaryOutputs: true });
      const res = await fetch(`${target}/v2/models/mlp/infer`, {
        method: 'POST',
        headers: { ...auth, ...encoded.headers },
        body: Buffer.from(encoded.body as Uint8Array),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, bytes, headerLength: res.headers.get('inference-header-content-length') };
    };
    try {
      const rows = [40_000, 30_000, 40_000, 25_000];
      const viaBroker = await Promise.all(rows.map((n, seed) => send(url, n, seed)));
      for (const [seed, n] of rows.entries()) {
        const direct = await send(worker.url, n, seed);
        const got = viaBroker[seed]!;
        expect(got.status).toBe(200);
        const a = decodeInferResponse(got.bytes, got.headerLength);
        const b = decodeInferResponse(direct.bytes, direct.headerLength);
        expect(a.outputs[0]!.shape).toEqual([n, 3]);
        // The same worker computed both: the broker's answer is the direct one, bit for bit.
        expect(Buffer.from((a.outputs[0]!.data as Float32Array).buffer).equals(Buffer.from((b.outputs[0]!.data as Float32Array).buffer))).toBe(true);
        expect(a.response.parameters?.['splitflow.pool']).toBe('cpu');
      }
      const tooLarge = await send(url, 65_000, 9);
      expect(tooLarge.status).toBe(413);
      expect(JSON.parse(Buffer.from(tooLarge.bytes).toString()).code).toBe('PAYLOAD_TOO_LARGE');
      expect((await send(url, 10, 1)).status).toBe(200);
    } finally {
      await broker.close();
      await worker.close();
    }
  });
});

describe('retries and health', () => {
  it('loses no request when an endpoint is killed under load, ejects it, and readmits it when it is back', async () => {
    const victim = await startCli(WORKER_CLI, ['--models', catalogPath, '--model-dir', modelDir, '--port', '0', '--threads', '1']);
    const { broker, url } = await listening(baseConfig([pool('cpu', 'cpu', [workers.cpuB.url, victim.url], 0.1, 1, 0.05)], { health: { unhealthyAfter: 1 } }));
    let replacement: Awaited<ReturnType<typeof startCli>> | undefined;
    try {
      const one = async (i: number) => {
        const x = [i, -i, i / 2, 1];
        const res = await post(url, 'double', JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] }));
        return { status: res.status, ok: JSON.stringify(res.json.outputs?.[0]?.data) === JSON.stringify(x.map((v) => v * 2)) };
      };
      const wave = (from: number) => Promise.all(Array.from({ length: 20 }, (_, k) => one(from + k)));
      const results = [...(await wave(0)), ...(await wave(20))];
      expect(broker.scheduler.pools[0]!.endpoints[1]!.outstanding).toBe(0);
      // Kill the endpoint while a wave is in flight.
      const during = wave(40);
      await victim.kill();
      results.push(...(await during), ...(await wave(60)), ...(await wave(80)));
      expect(results).toHaveLength(100);
      expect(results.filter((r) => r.status !== 200 || !r.ok)).toEqual([]);
      const dead = broker.scheduler.pools[0]!.endpoints[1]!;
      expect(dead.healthy).toBe(false);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/splitflow_broker_retries_total\{pool="cpu"\} [1-9]/);

      const port = new URL(victim.url).port;
      replacement = await startCli(WORKER_CLI, ['--models', catalogPath, '--model-dir', modelDir, '--port', port, '--threads', '1']);
      await broker.health.probeAll();
      expect(dead.healthy).toBe(true);
    } finally {
      await broker.close();
      await replacement?.stop();
    }
  });
});

describe('admission with real workers', () => {
  it('answers 401 without a key, 429 over the rate, and passes the worker 4xx through untouched', async () => {
    const { broker, url } = await listening(
      baseConfig([pool('cpu', 'cpu', [workers.cpuA.url], 0.1, 1, 0.05)], {
        tenants: [{ id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 0.01, burst: 3 } }],
      }),
    );
    try {
      expect((await post(url, 'mlp', body(1), {})).status).toBe(401);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await post(url, 'mlp', body(1))).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await broker.close();
    }
    const open = await listening(baseConfig([pool('cpu', 'cpu', [workers.cpuA.url], 0.1, 1, 0.05)]));
    try {
      // Three values for a [1,4] tensor: only the worker decodes data, so this 400 comes from it.
      const bad = await post(open.url, 'double', JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3] }] }));
      expect(bad.status).toBe(400);
      expect(bad.json.code).toBe('INVALID_TENSOR');
      expect(await (await fetch(`${open.url}/metrics`)).text()).not.toContain('splitflow_broker_retries_total{');
    } finally {
      await open.broker.close();
    }
  });

  it("answers 429 when a tenant's concurrency quota is in use", async () => {
    const stalled = await startStalledServer();
    const { broker, url } = await listening(
      baseConfig([pool('slow', 'cpu', [stalled.url], 0.1, 1, 0.05)], {
        tenants: [{ id: 'acme', apiKeys: [KEY], maxConcurrency: 1 }],
        limits: { maxAttempts: 1 },
      }),
    );
    try {
      const first = post(url, 'mlp', body(1));
      await stalled.firstRequest;
      const second = await post(url, 'mlp', body(1));
      expect(second.status).toBe(429);
      expect(second.json).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'concurrency' } });
      await stalled.close();
      expect((await first).status).toBe(502);
    } finally {
      await broker.close();
    }
  });
});

describe('async jobs', () => {
  it('keeps jobs across a broker killed mid-job: the running and the queued one both finish after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitflow-broker-jobs-'));
    const dbPath = join(dir, 'jobs.db');
    const stalled = await startStalledServer();
    const configFile = join(dir, 'broker.yaml');
    const first: BrokerConfig = {
      ...baseConfig([pool('cpu', 'cpu', [stalled.url], 0.1, 1, 0.05)]),
      catalog: catalogPath,
      jobs: { store: 'sqlite', path: dbPath, concurrency: 1 },
      log: { level: 'warn' },
    };
    writeFileSync(configFile, JSON.stringify(first));
    const child = await startCli(BROKER_CLI, ['--config', configFile]);
    const submit = async (rows: number) => {
      const res = await post(child.url, 'mlp', body(rows, { 'splitflow.mode': 'async' }));
      expect(res.status).toBe(202);
      return res.json.id as string;
    };
    const running = await submit(2);
    await stalled.firstRequest;
    const queued = await submit(3);
    await child.kill();
    await stalled.close();

    // Restart on the same SQLite file, now with a real worker behind the pool.
    const { broker } = await listening({ ...first, pools: [pool('cpu', 'cpu', [workers.cpuA.url], 0.1, 1, 0.05)], log: { level: 'silent' } });
    try {
      for (const [id, rows] of [
        [running, 2],
        [queued, 3],
      ] as const) {
        const done = await vi.waitFor(
          async () => {
            const r = await broker.app.inject({ url: `/v2/jobs/${id}`, headers: auth });
            if (r.statusCode !== 200) throw new Error(`job ${id} is ${r.headers['splitflow-job-status']}`);
            return r.json() as Answer;
          },
          { timeout: 10_000, interval: 25 },
        );
        const direct = await post(workers.cpuA.url, 'mlp', body(rows), {});
        expect(done.outputs?.[0]?.shape).toEqual([rows, 3]);
        expectClose(done.outputs?.[0]?.data, direct.json.outputs?.[0]?.data);
      }
      expect(await broker.jobs.counts()).toMatchObject({ done: 2, queued: 0, running: 0 });
    } finally {
      await broker.close();
    }
  });
});
