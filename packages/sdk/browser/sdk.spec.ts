import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { clientOptions as baseOptions, expectClose, type Fixture, makeFixture, ok, open, X } from './fixture.js';

// Real Chromium (with --enable-unsafe-webgpu: SwiftShader's adapter), a real module Worker with
// onnxruntime-web, and a real worker (onnxruntime-node) behind the page's /cloud proxy. Reference
// outputs come from onnxruntime-node in this process.

let fixture: Fixture;
let reference: number[];
test.beforeAll(async () => {
  fixture = await makeFixture();
  reference = fixture.reference;
});
const clientOptions = (extra: Record<string, unknown> = {}) => baseOptions(fixture.catalogUrl, extra);

test.describe('with --enable-unsafe-webgpu (SwiftShader adapter)', () => {
  test('probe reports WebGPU, wasm SIMD and threads under cross-origin isolation', async ({ page }) => {
    await open(page);
    const profile = ok(await page.evaluate(() => window.t.probe()));
    expect(profile.crossOriginIsolated).toBe(true);
    expect(profile.webgpu).toMatchObject({ available: true, isFallbackAdapter: true, shaderF16: false });
    expect(profile.webgpu.maxBufferSize).toBeGreaterThan(0);
    expect(profile.wasm).toEqual({ available: true, simd: true, threads: true });
    expect(profile.hardwareConcurrency).toBeGreaterThanOrEqual(1);
    expect(typeof profile.gflops).toBe('number');
    expect(profile.network.online).toBe(true);
  });

  test('a local run in the Worker equals onnxruntime-node, on wasm and on WebGPU', async ({ page }) => {
    await open(page);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    ok(await page.evaluate((o) => window.t.create('wasm', o), clientOptions()));
    const wasm = ok(await page.evaluate((x) => window.t.infer('wasm', 'mlp', { x }, { mode: 'local-only' }), X));
    expect(wasm.route).toMatchObject({ where: 'local', backend: 'wasm', thread: 'worker' });
    expectClose(wasm.outputs.y?.data, reference);
    expect(workers.some((u) => u.includes('worker-entry'))).toBe(true);

    ok(await page.evaluate((o) => window.t.create('gpu', o), clientOptions({ backends: ['webgpu', 'wasm'] })));
    const gpu = ok(await page.evaluate((x) => window.t.infer('gpu', 'mlp', { x }, { mode: 'local-only' }), X));
    expect(gpu.route).toMatchObject({ where: 'local', backend: 'webgpu', thread: 'worker' });
    expectClose(gpu.outputs.y?.data, reference);
  });

  test('progress events, then a second client loads from the Cache API with no network', async ({ page }) => {
    await open(page);
    ok(await page.evaluate((o) => window.t.create('a', o), clientOptions()));
    const first = ok(await page.evaluate(() => window.t.prefetch('a', 'mlp')));
    expect(first.fromCache).toBe(false);
    const progress = (await page.evaluate(() => window.t.events('a'))) as { type: string; loaded: number; total: number }[];
    expect(progress.filter((e) => e.type === 'progress').at(-1)).toMatchObject({ loaded: first.bytes, total: first.bytes });
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(r.url()));
    ok(await page.evaluate((o) => window.t.create('b', o), clientOptions()));
    const second = ok(await page.evaluate(() => window.t.prefetch('b', 'mlp')));
    expect(second.fromCache).toBe(true);
    expect(fetched.filter((u) => u.endsWith('.onnx'))).toEqual([]);
  });

  test('a tampered model is refused with MODEL_INTEGRITY', async ({ page }) => {
    await open(page);
    const original = await readFile(join(fixture.dir, 'mlp.onnx'));
    const tampered = Buffer.from(original);
    tampered[tampered.length - 7] = (tampered[tampered.length - 7] as number) ^ 0x40;
    await page.route('**/mlp.onnx', (route) =>
      route.fulfill({ status: 200, body: tampered, headers: { 'content-type': 'application/octet-stream', 'cross-origin-resource-policy': 'same-origin' } }),
    );
    ok(await page.evaluate((o) => window.t.create('t', o), clientOptions()));
    const refused = await page.evaluate((x) => window.t.infer('t', 'mlp', { x }, { privacy: 'local-only' }), X);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('MODEL_INTEGRITY');
      expect(refused.error.details).toMatchObject({ file: 'mlp.onnx' });
    }
  });

  test.describe('against a real worker', () => {
    let worker: RunningWorker;
    test.beforeEach(async () => {
      worker = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir });
    });
    test.afterEach(async () => {
      await worker.close();
    });

    test('the cloud route answers with the same outputs and the worker reported timings', async ({ page }) => {
      await open(page);
      ok(await page.evaluate((o) => window.t.create('c', o), clientOptions({ broker: `/cloud/${worker.port}` })));
      const cloud = ok(await page.evaluate((x) => window.t.infer('c', 'mlp', { x }, { mode: 'cloud-only', latencyBudgetMs: 5000 }), X));
      expect(cloud.route).toMatchObject({ where: 'cloud', hardware: 'cpu' });
      expect(cloud.route.timings.computeMs).toBeGreaterThan(0);
      expectClose(cloud.outputs.y?.data, reference);
    });

    test('falls back to local when the worker is stopped', async ({ page }) => {
      await open(page);
      ok(await page.evaluate((o) => window.t.create('f', o), clientOptions({ broker: `/cloud/${worker.port}` })));
      await worker.close();
      const result = ok(await page.evaluate((x) => window.t.infer('f', 'mlp', { x }, { mode: 'prefer-cloud', latencyBudgetMs: 5000 }), X));
      expect(result.route.where).toBe('local');
      expect(result.route.fallback).toMatchObject({ from: 'cloud', code: 'UPSTREAM_FAILED' });
      expectClose(result.outputs.y?.data, reference);
    });

    test('offline routes local from the Cache API, and dispose terminates the Worker', async ({ page, context }) => {
      await open(page);
      ok(await page.evaluate((o) => window.t.create('o', o), clientOptions({ broker: `/cloud/${worker.port}` })));
      ok(await page.evaluate(() => window.t.prefetch('o', 'mlp')));
      const runtimeWorker = page.workers().find((w) => w.url().includes('worker-entry'));
      expect(runtimeWorker).toBeDefined();
      await context.setOffline(true);
      const offline = ok(await page.evaluate((x) => window.t.infer('o', 'mlp', { x }, { mode: 'prefer-cloud' }), X));
      expect(offline.route.where).toBe('local');
      expect(offline.route.reason).toMatch(/offline/);
      await context.setOffline(false);
      const closed = new Promise<void>((resolve) => runtimeWorker?.on('close', () => resolve()));
      ok(await page.evaluate(() => window.t.dispose('o')));
      await closed;
    });
  });
});
