import { LOAD_HEADERS } from '@splitflow/contract';
import { CATALOG_PATH, readCatalog } from '@splitflow/test-fixtures/catalog-models';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWorker, modelFootprintBytes } from './build-worker.js';
import { DEFAULT_BATCHING } from './config.js';
import { loadModelSources } from './models/load-catalog.js';
import { loadModels, type ModelRegistry } from './models/model-registry.js';
import { createOrtSessionFactory } from './session/ort-node.js';

// The OIP model repository extension with a memory budget, on real catalog models: tiny (~0.11 MB),
// ocr-cls (~1.0 MB) and vad (~2.7 MB) by their manifests.

const MB = 1_000_000;
const INPUTS: Record<string, unknown[]> = {
  tiny: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array.from({ length: 64 }, (_, i) => i / 64) }],
  'ocr-cls': [{ name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], data: new Array(3 * 48 * 192).fill(0.5) }],
  vad: [
    { name: 'input', datatype: 'FP32', shape: [1, 576], data: new Array(576).fill(0) },
    { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: new Array(256).fill(0) },
    { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
  ],
};

let app: FastifyInstance | undefined;
let registry: ModelRegistry | undefined;
afterEach(async () => {
  await Promise.all([app?.close(), registry?.close()]);
  app = undefined;
  registry = undefined;
});

const infer = (model: string) => (app as FastifyInstance).inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { inputs: INPUTS[model] } });
const index = async () =>
  (await (app as FastifyInstance).inject({ method: 'POST', url: '/v2/repository/index' })).json() as { name: string; state: string; reason?: string }[];

describe('model repository: load and unload within a memory budget', () => {
  it('the footprints this test relies on: tiny + ocr-cls fit in 3 MB, tiny + vad fit, all three do not', async () => {
    const catalog = await readCatalog();
    const size = (id: string) => modelFootprintBytes(catalog.models.find((m) => m.id === id) as never, 1);
    expect(size('tiny') + size('ocr-cls')).toBeLessThan(3 * MB);
    expect(size('tiny') + size('vad')).toBeLessThan(3 * MB);
    expect(size('ocr-cls') + size('vad')).toBeGreaterThan(3 * MB);
  });

  it('on demand: nothing loads at startup, a request loads its model and waits for it, a load past the budget evicts the least recently used', async () => {
    app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'ocr-cls', 'vad'], loadOnDemand: true, memoryBudgetGiB: (3 * MB) / 2 ** 30 });
    expect((await index()).map((m) => [m.name, m.state, m.reason])).toEqual([
      ['tiny', 'UNAVAILABLE', 'unloaded'],
      ['ocr-cls', 'UNAVAILABLE', 'unloaded'],
      ['vad', 'UNAVAILABLE', 'unloaded'],
    ]);
    // Ready: its models can be loaded. A model not in memory is not ready, as Triton says.
    expect((await app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v2/models/tiny/ready' })).statusCode).toBe(400);

    const load = await app.inject({ method: 'POST', url: '/v2/repository/models/ocr-cls/load' });
    expect(load.statusCode).toBe(200);
    expect(load.headers[LOAD_HEADERS.loadedModels]).toBe('ocr-cls');

    const first = await infer('tiny');
    expect(first.statusCode).toBe(200);
    expect(Number(first.headers[LOAD_HEADERS.loadUs])).toBeGreaterThan(0);
    expect(first.headers[LOAD_HEADERS.loadedModels]).toBe('ocr-cls,tiny');
    const warm = await infer('tiny');
    expect(warm.headers[LOAD_HEADERS.loadUs]).toBeUndefined();

    // vad needs ~2.7 MB: ocr-cls, the least recently used, goes; tiny stays.
    const cold = await infer('vad');
    expect(cold.statusCode).toBe(200);
    expect(cold.headers[LOAD_HEADERS.loadedModels]).toBe('tiny,vad');
    expect((await index()).map((m) => [m.name, m.state])).toEqual([
      ['tiny', 'READY'],
      ['ocr-cls', 'UNAVAILABLE'],
      ['vad', 'READY'],
    ]);
    expect((await app.inject({ method: 'POST', url: '/v2/repository/index', payload: { ready: true } })).json()).toEqual([
      { name: 'tiny', version: expect.any(String), state: 'READY' },
      { name: 'vad', version: expect.any(String), state: 'READY' },
    ]);

    // Evicted is not lost: its next request loads it again, and ~1 MB more takes both others out (tiny first).
    const back = await infer('ocr-cls');
    expect(back.statusCode).toBe(200);
    expect(back.headers[LOAD_HEADERS.loadedModels]).toBe('ocr-cls');

    const unload = await app.inject({ method: 'POST', url: '/v2/repository/models/ocr-cls/unload' });
    expect(unload.statusCode).toBe(200);
    expect(unload.headers[LOAD_HEADERS.loadedModels]).toBe('');
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('splitflow_worker_model_events_total{model="ocr-cls",event="loaded"} 2');
    expect(metrics).toContain('splitflow_worker_model_events_total{model="ocr-cls",event="evicted"} 1');
    expect(metrics).toContain('splitflow_worker_model_events_total{model="ocr-cls",event="unloaded"} 1');
    expect(metrics).toContain('splitflow_worker_model_events_total{model="tiny",event="evicted"} 1');
  });

  it('concurrent requests for a model that is not in memory share one load and all answer', async () => {
    app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vad'], loadOnDemand: true });
    const answers = await Promise.all(Array.from({ length: 6 }, () => infer('vad')));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.every((a) => Number(a.headers[LOAD_HEADERS.loadUs]) > 0)).toBe(true);
    expect(answers.at(-1)?.headers[LOAD_HEADERS.loadedModels]).toBe('vad');
  });

  it('refuses with typed errors: a model over the budget alone, an unknown model, a bad index body', async () => {
    app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vad'], loadOnDemand: true, memoryBudgetGiB: (1 * MB) / 2 ** 30 });
    const tooBig = await app.inject({ method: 'POST', url: '/v2/repository/models/vad/load' });
    expect(tooBig.statusCode).toBe(500);
    expect(tooBig.json()).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect((await infer('vad')).json()).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect((await infer('tiny')).statusCode).toBe(200);
    const unknown = await app.inject({ method: 'POST', url: '/v2/repository/models/nope/load' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const bad = await app.inject({ method: 'POST', url: '/v2/repository/index', payload: '[1]' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], memoryBudgetGiB: -1 })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
});

describe('model registry: eviction never takes a model with requests in flight', () => {
  it('a load that needs the room of a held model waits for its request to end, then evicts it', async () => {
    const sources = await loadModelSources({ catalog: CATALOG_PATH, models: ['ocr-cls', 'vad'] });
    const events: string[] = [];
    registry = await loadModels({
      sources,
      factory: createOrtSessionFactory({ provider: 'cpu', intraOpThreads: 1 }),
      batchingFor: () => ({ ...DEFAULT_BATCHING }),
      footprintOf: modelFootprintBytes,
      budgetBytes: 3 * MB,
      onDemand: true,
      onBatch: () => {},
      onChange: (model, event) => events.push(`${event} ${model}`),
      diagnose: async () => undefined,
      log: () => {},
    });
    const held = await registry.acquire('ocr-cls');
    expect(held.loadUs).toBeGreaterThan(0);
    const loading = registry.load('vad');
    expect(registry.transition('vad')).toBe('loading');
    // Long enough for an eviction that ignored the lease to have happened (the outcome, not the time, is asserted).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(registry.loaded()).toEqual(['ocr-cls']);
    events.push('released ocr-cls');
    held.release();
    await loading;
    expect(events).toEqual(['loaded ocr-cls', 'released ocr-cls', 'evicted ocr-cls', 'loaded vad']);
    expect(registry.loaded()).toEqual(['vad']);
    expect(registry.usedBytes()).toBeLessThanOrEqual(registry.budgetBytes);
  });

  it('an unload waits for the requests that hold the model; a request that comes during it loads the model again', async () => {
    const sources = await loadModelSources({ catalog: CATALOG_PATH, models: ['tiny'] });
    const events: string[] = [];
    registry = await loadModels({
      sources,
      factory: createOrtSessionFactory({ provider: 'cpu', intraOpThreads: 1 }),
      batchingFor: () => ({ ...DEFAULT_BATCHING }),
      footprintOf: modelFootprintBytes,
      onBatch: () => {},
      onChange: (model, event) => events.push(`${event} ${model}`),
      diagnose: async () => undefined,
      log: () => {},
    });
    expect(registry.loaded()).toEqual(['tiny']);
    const held = await registry.acquire('tiny');
    expect(held.loadUs).toBe(0);
    const unloading = registry.unload('tiny');
    const after = registry.acquire('tiny');
    await new Promise((resolve) => setTimeout(resolve, 100));
    events.push('released tiny');
    held.release();
    await unloading;
    const lease = await after;
    expect(lease.loadUs).toBeGreaterThan(0);
    lease.release();
    expect(events).toEqual(['loaded tiny', 'released tiny', 'unloaded tiny', 'loaded tiny']);
  });
});
