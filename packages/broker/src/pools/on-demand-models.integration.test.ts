import { type BrokerConfig, type ModelCatalog, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { CATALOG_PATH, readCatalog } from '@splitflow/test-fixtures/catalog-models';
import { type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';
import { COLD_LOAD_FIXED_MS } from '../scheduler/cold-load.js';
import { modelLoad } from '../scheduler/pool-state.js';

// Real worker processes that load catalog models on demand (tiny, ocr-cls, vad), behind a broker in
// this process: it learns which models each holds from their answers and probes, sends work where the
// model is warm, and pays a cold load only where it must. Outcomes and order are asserted, not times.

let catalog: ModelCatalog;
let broker: Broker;
let url: string;
let a: Child;
let b: Child;

const INPUTS: Record<string, unknown[]> = {
  tiny: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array.from({ length: 64 }, (_, i) => i / 64) }],
  'ocr-cls': [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], data: new Array(3 * 48 * 192).fill(0.5) }],
  vad: [
    { name: 'input', datatype: 'FP32', shape: [1, 576], data: new Array(576).fill(0) },
    { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: new Array(256).fill(0) },
    { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
  ],
};

const startWorker = () =>
  startCli(WORKER_CLI, ['--models', CATALOG_PATH, '--serve', 'tiny,ocr-cls,vad', '--load-on-demand', '--port', '0', '--threads', '1', '--log-level', 'warn']);

beforeAll(async () => {
  catalog = await readCatalog();
  [a, b] = await Promise.all([startWorker(), startWorker()]);
  const config: BrokerConfig = {
    pools: [
      {
        name: 'cpu',
        hardware: 'cpu',
        protocol: 'oip-v2',
        endpoints: [{ url: a.url }, { url: b.url }],
        costPerHour: 0.1,
        maxConcurrency: 4,
        models: ['tiny', 'ocr-cls', 'vad'],
      },
    ],
    health: { intervalMs: 60_000 },
    anonymous: {},
    exposure: { endpointInAnswers: true },
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog });
  url = await broker.listen();
});

afterAll(async () => {
  await broker?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

const infer = async (model: string, parameters: Record<string, unknown> = {}) => {
  const res = await fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: INPUTS[model], parameters }),
  });
  const body = (await res.json()) as { parameters?: Record<string, unknown>; code?: string };
  return { status: res.status, endpoint: body.parameters?.[SPLITFLOW_PARAMS.endpoint] as string | undefined, code: body.code };
};

const heldAt = async (worker: Child) => {
  const res = await fetch(`${worker.url}/v2/repository/index`, { method: 'POST', body: '{"ready":true}' });
  return ((await res.json()) as { name: string }[]).map((m) => m.name);
};

const pool = () => broker.scheduler.pools[0] as Broker['scheduler']['pools'][number];

describe('models loaded on demand behind the broker (real worker processes)', () => {
  it('learns what each endpoint holds from its probes, sends work where the model is warm, and loads a model at one endpoint only', async () => {
    // Both say, on their readiness answer, that they hold nothing.
    await broker.health.probeAll();
    expect(pool().endpoints.map((e) => [...(e.loaded ?? ['unknown'])])).toEqual([[], []]);

    expect((await fetch(`${a.url}/v2/repository/models/tiny/load`, { method: 'POST' })).status).toBe(200);
    await broker.health.probeAll();
    expect(modelLoad(pool(), 'tiny').warm.size).toBe(1);

    // One at a time, so A's queue stays short: each request meets its deadline warm, and none goes to B to load.
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await infer('tiny'));
    expect(answers.map((r) => [r.status, r.endpoint])).toEqual(Array(8).fill([200, a.url]));
    expect(await heldAt(b)).toEqual([]);

    // vad is nowhere: concurrent requests go to the one endpoint already loading it, one load, none lost.
    const cold = await Promise.all(Array.from({ length: 4 }, () => infer('vad')));
    expect(cold.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const where = new Set(cold.map((r) => r.endpoint));
    expect(where.size).toBe(1);
    const [loader, other] = where.has(a.url) ? [a, b] : [b, a];
    expect(await heldAt(loader)).toContain('vad');
    expect(await heldAt(other)).not.toContain('vad');
    // The worker said how long the load took: the broker now counts that, not its prior.
    expect(modelLoad(pool(), 'vad').loadMs).toBeGreaterThan(0);
    expect(modelLoad(pool(), 'vad').warm.size).toBe(1);
    expect((await infer('vad')).endpoint).toBe(loader.url);
  });

  it('refuses a hard deadline that only a cold load could serve, loading nothing; once warm, the load is not counted', async () => {
    // The prior for loading ocr-cls is about 55 ms (COLD_LOAD_FIXED_MS plus its bytes); nothing holds it.
    const refused = await fetch(`${url}/v2/models/ocr-cls/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: INPUTS['ocr-cls'], parameters: { [SPLITFLOW_PARAMS.deadlineMs]: 25 } }),
    });
    const body = (await refused.json()) as { code: string; details: { expectedMs: number } };
    expect([refused.status, body.code]).toEqual([429, 'DEADLINE_UNMEETABLE']);
    expect(body.details.expectedMs).toBeGreaterThanOrEqual(COLD_LOAD_FIXED_MS);
    expect(await heldAt(a)).not.toContain('ocr-cls');
    expect(await heldAt(b)).not.toContain('ocr-cls');

    const loose = await infer('ocr-cls', { [SPLITFLOW_PARAMS.deadlineMs]: 30_000 });
    expect(loose.status).toBe(200);
    const load = modelLoad(pool(), 'ocr-cls');
    expect(load.warm.size).toBe(1);
    const again = await infer('ocr-cls', { [SPLITFLOW_PARAMS.deadlineMs]: 30_000 });
    expect([again.status, again.endpoint]).toEqual([200, loose.endpoint]);
  });
});
