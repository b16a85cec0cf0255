import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../../playwright.config.js';
import { clientOptions, expectClose, type Fixture, makeFixture, ok, open, X } from './fixture.js';

// Chromium without --enable-unsafe-webgpu: requestAdapter() gives no adapter, so the SDK runs on wasm.
test.use({ launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS } });

let fixture: Fixture;
test.beforeAll(async () => {
  fixture = await makeFixture();
});

test('probe finds no WebGPU adapter and a local run falls back to wasm', async ({ page }) => {
  await open(page);
  const profile = ok(await page.evaluate(() => window.t.probe()));
  expect(profile.webgpu.available).toBe(false);
  expect(profile.webgpu.reason).toMatch(/no adapter|navigator.gpu is absent/);
  ok(await page.evaluate((o) => window.t.create('n', o), clientOptions(fixture.catalogUrl, { backends: ['webgpu', 'wasm'] })));
  const local = ok(await page.evaluate((x) => window.t.infer('n', 'mlp', { x }, { mode: 'local-only' }), X));
  expect(local.route.backend).toBe('wasm');
  expectClose(local.outputs.y?.data, fixture.reference);
});

test("without WebGPU the runtime loads onnxruntime-web's wasm-only build, never the WebGPU one", async ({ page }) => {
  await open(page);
  const wasmFiles: string[] = [];
  page.on('request', (r) => {
    if (/\.wasm(\?|$)/.test(r.url())) wasmFiles.push(new URL(r.url()).pathname.split('/').pop() as string);
  });
  ok(await page.evaluate((o) => window.t.create('w', o), clientOptions(fixture.catalogUrl)));
  const local = ok(await page.evaluate((x) => window.t.infer('w', 'mlp', { x }, { mode: 'local-only' }), X));
  expect(local.route.backend).toBe('wasm');
  expectClose(local.outputs.y?.data, fixture.reference);
  expect(wasmFiles).toEqual(['ort-wasm-simd-threaded.wasm']);
});
