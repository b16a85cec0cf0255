import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import type { ModelCatalog } from '@splitflow/contract';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { expectClose, ok, open } from './fixture.js';
import type { PlainTensor } from './page.js';

// The catalog's real models (built by `npm run models`) in the SDK's module Worker: an ONNX model
// on onnxruntime-web against onnxruntime-node, and the tfjs model (nsfwjs MobileNetV2) against tfjs
// in this process loading the same files over HTTP.
const models = resolve(import.meta.dirname, '../../../models');
test.beforeAll(() => {
  if (!existsSync(join(models, 'build/tiny/model.onnx'))) throw new Error('models/build is missing: run `npm run models` before the browser tests');
});

const options = { catalog: '/models/catalog.json', wasmPaths: '/ort/', probe: { benchmarkMs: 5 }, policy: { minDeviceGflops: 0 } };

test('tiny runs in the Worker with the same outputs as onnxruntime-node', async ({ page }) => {
  const catalog = JSON.parse(await readFile(join(models, 'catalog.json'), 'utf8')) as ModelCatalog;
  const tiny = catalog.models.find((m) => m.id === 'tiny');
  const features: PlainTensor = { datatype: 'FP32', shape: [4, 64], data: Array.from({ length: 256 }, (_, i) => Math.cos(i * 0.11)) };
  const session = await ort.InferenceSession.create(join(models, 'build', tiny?.files[0]?.path as string));
  const want = Array.from(
    ((await session.run({ features: new ort.Tensor('float32', Float32Array.from(features.data), features.shape) })).logits as ort.Tensor).data as Float32Array,
  );
  await open(page);
  ok(await page.evaluate((o) => window.t.create('tiny', o), options));
  const result = ok(await page.evaluate((x) => window.t.infer('tiny', 'tiny', { features: x }, { mode: 'local-only' }), features));
  expect(result.route).toMatchObject({ where: 'local', backend: 'wasm', thread: 'worker' });
  expectClose(result.outputs.logits?.data, want);
});

// MobileNetV2 on tfjs's JS CPU backend (the reference here, the Worker's in the page) and on WebGL over
// SwiftShader is seconds of work each on an idle 2-core machine and several times that on a busy one:
// the reference is computed once, each backend is a test of its own, and each has a generous timeout.
test.describe('nsfw-mobilenet (tfjs layers model) in the Worker', () => {
  test.describe.configure({ timeout: 240_000 });
  const pixels: PlainTensor = { datatype: 'FP32', shape: [1, 224, 224, 3], data: Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 7919) % 256) / 255) };
  let want: number[];
  test.beforeAll(async ({ baseURL }) => {
    await tf.setBackend('cpu');
    const reference = await tf.loadLayersModel(`${baseURL}/models/nsfw-mobilenet/model.json`);
    want = Array.from((await (reference.predict(tf.tensor(pixels.data, pixels.shape)) as tf.Tensor).data()) as Float32Array);
    reference.dispose();
  });

  test('on tfjs-cpu it matches tfjs in this process', async ({ page }) => {
    await open(page);
    ok(await page.evaluate((o) => window.t.create('cpu', o), { ...options, backends: ['tfjs-cpu'] }));
    const cpu = ok(await page.evaluate((x) => window.t.infer('cpu', 'nsfw-mobilenet', { input_1: x }, { mode: 'local-only' }), pixels));
    expect(cpu.route).toMatchObject({ where: 'local', backend: 'tfjs-cpu', thread: 'worker' });
    expectClose(cpu.outputs.dense_3?.data, want);
  });

  test('in the default order (WebGL first, SwiftShader here) whichever backend ran agrees closely', async ({ page }) => {
    await open(page);
    ok(await page.evaluate((o) => window.t.create('auto', o), options));
    const any = ok(await page.evaluate((x) => window.t.infer('auto', 'nsfw-mobilenet', { input_1: x }, { mode: 'local-only' }), pixels));
    expect(['tfjs-webgl', 'tfjs-cpu']).toContain(any.route.backend);
    const got = any.outputs.dense_3?.data as number[];
    expect(got).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-3);
  });
});
