import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSplitflowError, type Tensor } from '@splitflow/contract';
import { type FixtureCatalog, writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from './create-client.js';
import type { ClientOptions, InferResult } from './types.js';

let fixture: FixtureCatalog;
let files: StaticServer;
let worker: RunningWorker;

beforeAll(async () => {
  fixture = await writeFixtureCatalog();
  files = await startStaticServer(fixture.dir);
  worker = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir });
});
afterAll(async () => {
  await files.close();
  await worker.close();
});

const x = (): Tensor => ({ datatype: 'FP32', shape: [2, 4], data: Float32Array.from({ length: 8 }, (_, i) => Math.cos(i) * 1.5) });
const options = (over: Partial<ClientOptions> = {}): ClientOptions => ({
  catalog: `${files.url}catalog.json`,
  broker: worker.url,
  caches: createMemoryCacheStorage(),
  probe: { benchmarkMs: 2 },
  // This shared 2-core machine can measure under the catalog's 1 GFLOPS floor; these tests are not about it.
  policy: { minDeviceGflops: 0 },
  ...over,
});

function close(a: InferResult, b: InferResult) {
  const p = a.outputs.y?.data as Float32Array;
  const q = b.outputs.y?.data as Float32Array;
  expect(p.length).toBe(6);
  for (let i = 0; i < p.length; i++) expect(Math.abs((p[i] as number) - (q[i] as number))).toBeLessThan(1e-4);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isSplitflowError(e)).toBe(true);
  return (e as { code: string }).code;
}

describe('createClient in Node (main-thread runtime, real worker on loopback)', () => {
  it('runs locally and in the cloud with the same outputs, and explains each route', async () => {
    const client = await createClient(options());
    const progress: number[] = [];
    const phases: string[] = [];
    client.on('progress', (p) => {
      if (p.phase === 'download') progress.push(p.loaded);
      if (phases.at(-1) !== p.phase) phases.push(p.phase);
    });
    const local = await client.infer('mlp', { x: x() }, { mode: 'local-only' });
    expect(local.route).toMatchObject({ where: 'local', backend: 'wasm', thread: 'main-thread' });
    expect(local.route.reason).toMatch(/mode is local-only/);
    expect(local.route.timings.downloadMs).toBeGreaterThanOrEqual(0);
    expect(local.route.timings.compileMs).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(fixture.catalog.models[0]?.files[0]?.bytes);
    expect(phases).toEqual(['download', 'verify', 'compile', 'first-run']);
    const cloud = await client.infer('mlp', { x: x() }, { mode: 'cloud-only', latencyBudgetMs: 5000 });
    expect(cloud.route).toMatchObject({ where: 'cloud', hardware: 'cpu' });
    expect(cloud.route.timings.computeMs).toBeGreaterThan(0);
    expect(cloud.route.estimates.cloud?.totalMs).toBeGreaterThan(0);
    close(local, cloud);
    // The first run is warm-up, kept apart: local estimates stay on the prior until a steady run.
    expect(client.estimates().local.mlp?.firstRunMs).toBe(local.route.timings.computeMs);
    expect(client.estimates().local.mlp?.ms).toBeUndefined();
    const steady = await client.infer('mlp', { x: x() }, { mode: 'local-only' });
    expect(client.estimates().local.mlp?.ms).toBe(steady.route.timings.computeMs);
    const auto = await client.infer('mlp', { x: x() });
    expect(auto.route.decision.mode).toBe('auto');
    expect(auto.route.reason).toMatch(/^auto: (local|cloud) is faster: local .* vs cloud .*budget/);
    expect(auto.route.estimates.local?.source).toBe('measured');
    await client.dispose();
  });

  it('falls back to local when the cloud is down, and says so', async () => {
    const down = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir });
    const client = await createClient(options({ broker: down.url }));
    await down.close();
    const fallbacks: string[] = [];
    client.on('fallback', (f) => fallbacks.push(`${f.from}->${f.to}:${f.code}`));
    const result = await client.infer('mlp', { x: x() }, { mode: 'prefer-cloud', latencyBudgetMs: 2000 });
    expect(result.route.where).toBe('local');
    expect(result.route.fallback).toMatchObject({ from: 'cloud', code: 'NETWORK' });
    expect(fallbacks).toEqual(['cloud->local:NETWORK']);
    await client.dispose();
  });

  it('falls back to the cloud when the local model is tampered with, with the inputs intact', async () => {
    const original = new Uint8Array(await readFile(join(fixture.dir, 'mlp.onnx')));
    const tampered = original.slice();
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x55;
    files.override('/mlp.onnx', tampered);
    try {
      const client = await createClient(options());
      const result = await client.infer('mlp', { x: x() }, { mode: 'prefer-local', latencyBudgetMs: 5000 });
      expect(result.route.where).toBe('cloud');
      expect(result.route.fallback).toMatchObject({ from: 'local', code: 'MODEL_INTEGRITY' });
      const reference = await createClient(options({ caches: createMemoryCacheStorage() }));
      files.override('/mlp.onnx', undefined);
      close(result, await reference.infer('mlp', { x: x() }, { mode: 'local-only' }));
      await Promise.all([client.dispose(), reference.dispose()]);
    } finally {
      files.override('/mlp.onnx', undefined);
    }
  });

  it('never sends data to the cloud under privacy local-only, even when local fails', async () => {
    const original = new Uint8Array(await readFile(join(fixture.dir, 'mlp.onnx')));
    files.override('/mlp.onnx', original.subarray(0, 100));
    const seen: string[] = [];
    const spyFetch: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(worker.url) && url.includes('/infer')) seen.push(url);
      return fetch(input, init);
    };
    try {
      const client = await createClient(options({ fetch: spyFetch }));
      expect(await codeOf(client.infer('mlp', { x: x() }, { privacy: 'local-only' }))).toBe('MODEL_INTEGRITY');
      expect(seen).toEqual([]);
      await client.dispose();
    } finally {
      files.override('/mlp.onnx', undefined);
    }
  });

  it('reports ALL_ROUTES_FAILED with both reasons when neither route works', async () => {
    const down = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir });
    const client = await createClient(options({ broker: down.url }));
    await down.close();
    files.override('/mlp.onnx', new Uint8Array(10));
    try {
      const error = await client.infer('mlp', { x: x() }, { latencyBudgetMs: 2000 }).catch((e: unknown) => e);
      expect(isSplitflowError(error, 'ALL_ROUTES_FAILED')).toBe(true);
      const attempts = (error as { details: { attempts: { where: string; code: string }[] } }).details.attempts;
      expect(attempts.map((a) => a.code).sort()).toEqual(['MODEL_INTEGRITY', 'NETWORK']);
    } finally {
      files.override('/mlp.onnx', undefined);
      await client.dispose();
    }
  });

  it('rejects bad input, unknown models and use after dispose with typed errors and no fallback', async () => {
    const client = await createClient(options());
    expect(await codeOf(client.infer('nope', { x: x() }))).toBe('MODEL_NOT_FOUND');
    expect(await codeOf(client.infer('mlp', { x: { datatype: 'FP32', shape: [2, 5], data: new Float32Array(10) } }))).toBe('INVALID_TENSOR');
    expect(await codeOf(client.infer('mlp', { x: { datatype: 'FP32', shape: [2, 4], data: new Float32Array(3) } }))).toBe('INVALID_TENSOR');
    expect(await codeOf(client.infer('mlp', { y: x() }))).toBe('INVALID_TENSOR');
    expect(await codeOf(client.infer('mlp', { x: x() }, { latencyBudgetMs: -1 }))).toBe('INVALID_REQUEST');
    expect(await codeOf(client.infer('mlp', { x: x() }, { privacy: 'local-only', mode: 'cloud-only' }))).toBe('INVALID_REQUEST');
    // A buffer moved away (by an earlier infer's transfer to the Worker, here by structuredClone).
    const moved = x();
    structuredClone(moved.data, { transfer: [(moved.data as Float32Array).buffer] });
    const detached = await client.infer('mlp', { x: moved }).catch((e: unknown) => e);
    expect(isSplitflowError(detached, 'INVALID_TENSOR')).toBe(true);
    expect((detached as Error).message).toMatch(/input "x": its buffer is detached|"x".*data has 0/);
    await client.dispose();
    expect(await codeOf(client.infer('mlp', { x: x() }))).toBe('DISPOSED');
  });

  it('resolves modelBaseUrl to a folder, and says why a relative one cannot resolve without a page', async () => {
    const catalog = JSON.parse(await readFile(fixture.catalogPath, 'utf8'));
    // No trailing slash: still the folder.
    const client = await createClient(options({ catalog, modelBaseUrl: files.url.replace(/\/$/, ''), broker: undefined }));
    expect((await client.infer('mlp', { x: x() }, { mode: 'local-only' })).route.where).toBe('local');
    await client.dispose();
    const relative = await createClient(options({ catalog, modelBaseUrl: 'models/' })).catch((e: unknown) => e);
    expect(isSplitflowError(relative, 'INVALID_REQUEST')).toBe(true);
    expect((relative as Error).message).toMatch(/modelBaseUrl "models\/": it is relative and there is no page/);
    expect(await codeOf(createClient(options({ catalog: '/models/catalog.json' })))).toBe('INVALID_REQUEST');
    // With a page, a relative URL resolves against it.
    vi.stubGlobal('location', { href: files.url });
    try {
      const paged = await createClient(options({ catalog: 'catalog.json', broker: undefined }));
      expect((await paged.infer('mlp', { x: x() }, { mode: 'local-only' })).route.where).toBe('local');
      await paged.dispose();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('preloads: the model downloads with no infer, a first infer joins it, and an unknown id is MODEL_NOT_FOUND', async () => {
    const requested: string[] = [];
    const spyFetch: typeof fetch = (input, init) => {
      requested.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    expect(await codeOf(createClient(options({ preload: ['nope'] })))).toBe('MODEL_NOT_FOUND');
    const client = await createClient(options({ fetch: spyFetch, preload: ['mlp'] }));
    await vi.waitFor(() => expect(requested.some((u) => u.endsWith('/mlp.onnx'))).toBe(true), { timeout: 30_000 });
    const r = await client.infer('mlp', { x: x() }, { mode: 'local-only' });
    expect(r.route.where).toBe('local');
    // One download in all: the run used the preloaded files.
    expect(requested.filter((u) => u.endsWith('/mlp.onnx'))).toHaveLength(1);
    await client.dispose();
  });

  it("measures the cloud's round trip first: no model lookup starts until the ping has answered", async () => {
    const events: string[] = [];
    let answerPing: () => void = () => undefined;
    const pingHeld = new Promise<void>((resolve) => {
      answerPing = resolve;
    });
    const spyFetch: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith(worker.url)) return fetch(input, init);
      const path = new URL(url).pathname;
      events.push(path);
      if (path === '/v2/health/ready') await pingHeld;
      return fetch(input, init);
    };
    const client = await createClient(options({ fetch: spyFetch }));
    await vi.waitFor(() => expect(events).toContain('/v2/health/ready'));
    // Let any lookup that was going to start beside the ping start.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(['/v2/health/ready']);
    answerPing();
    await vi.waitFor(() => expect(events).toEqual(expect.arrayContaining(['/v2/models/mlp', '/v2/models/double'])));
    await client.dispose();
  });

  it('prefetches from the network, then a new client warms from the cache alone', async () => {
    const caches = createMemoryCacheStorage();
    const a = await createClient(options({ caches, broker: undefined }));
    const first = await a.prefetch('mlp');
    expect(first).toMatchObject({ model: 'mlp', backend: 'wasm', fromCache: false });
    const before = files.requests.filter((r) => r.endsWith('.onnx')).length;
    const b = await createClient(options({ caches, broker: undefined }));
    expect(await b.prefetch('mlp')).toMatchObject({ fromCache: true });
    expect(files.requests.filter((r) => r.endsWith('.onnx')).length).toBe(before);
    const result = await b.infer('mlp', { x: x() });
    expect(result.route.reason).toMatch(/no cloud endpoint/);
    expect(result.route.timings.compileMs).toBe(0);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('keeps the caller inputs when transferInputs is false and routes concurrent requests', async () => {
    const client = await createClient(options({ transferInputs: false }));
    const input = x();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.infer('mlp', { x: input }, { mode: i % 2 ? 'local-only' : 'cloud-only', latencyBudgetMs: 5000 })),
    );
    for (const r of results.slice(1)) close(results[0] as InferResult, r);
    expect((input.data as Float32Array).length).toBe(8);
    await client.dispose();
  });

  it('answers with a stale device profile and re-probes in the background', async () => {
    const client = await createClient(options({ broker: undefined, probe: { benchmarkMs: 1, ttlMs: 0 } }));
    const first = client.capabilities;
    const result = await client.infer('mlp', { x: x() });
    expect(result.route.where).toBe('local');
    await vi.waitFor(() => expect(client.capabilities.probedAt).toBeGreaterThan(first.probedAt));
    await client.dispose();
  });

  it('measures the round trip over a warm connection: the slower ping that opened it is not what counts', async () => {
    // The first health check stands for a connection's set-up (handshakes, a busy start-up thread):
    // held 1.5 s here, while the pings after it answer over loopback.
    const health: number[] = [];
    const opening: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith('/v2/health/ready')) {
        health.push(health.length);
        if (health.length === 1) await new Promise((r) => setTimeout(r, 1500));
      }
      return fetch(input, init);
    };
    const client = await createClient(options({ fetch: opening }));
    await vi.waitFor(() => expect(client.estimates().cloudRttMs).toBeDefined(), { timeout: 20_000 });
    // Two pings: the first opens the connection, the faster counts.
    expect(health).toHaveLength(2);
    expect(client.estimates().cloudRttMs).toBeLessThan(1500);
    await client.dispose();
  });

  it('routes a model over the memory budget to the cloud before downloading it, and says why; local-only is refused', async () => {
    const fetched: string[] = [];
    const counting: typeof fetch = (input, init) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const client = await createClient(options({ memoryBudgetBytes: 64, fetch: counting }));
    const auto = await client.infer('mlp', { x: x() }, { mode: 'auto' });
    expect(auto.route.where).toBe('cloud');
    expect(auto.route.reason).toMatch(/over this page's 0\.0 MiB memory budget/);
    expect(auto.route.fallback).toBeUndefined();
    expect(fetched.filter((u) => u.endsWith('.onnx'))).toEqual([]);
    expect(await codeOf(client.infer('mlp', { x: x() }, { mode: 'local-only' }))).toBe('LOCAL_UNAVAILABLE');
    expect(await codeOf(client.prefetch('mlp'))).toBe('LOCAL_UNAVAILABLE');
    await client.dispose();
    const roomy = await createClient(options({ memoryBudgetBytes: 256 * 2 ** 20 }));
    expect((await roomy.infer('mlp', { x: x() }, { mode: 'local-only' })).route.where).toBe('local');
    await roomy.dispose();
    expect(await codeOf(createClient(options({ memoryBudgetBytes: -1 })))).toBe('INVALID_REQUEST');
  });
});
