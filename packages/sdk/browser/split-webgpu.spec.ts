import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { clientOptions, expectClose, ok, open } from './fixture.js';
import type { PlainTensor } from './page.js';

// A cut's head holds a float16 tensor (its fp16 encoding's Cast). On SwiftShader's adapter, which has no
// shader-f16, onnxruntime-web's WebGPU backend then computes zeros for the whole head, fp32 outputs
// included; the whole model (all fp32) is right there. The SDK runs such graphs on wasm: the split's
// answer must equal onnxruntime-node's whole model.

const BUILD = resolve(import.meta.dirname, '../../../models/build');
const IMAGE: PlainTensor = { datatype: 'FP32', shape: [1, 3, 224, 224], data: Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.37)) };

/** A loopback port nothing listens on: the pool is down, so the tail finishes on the device. */
const deadPort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

test('with WebGPU on SwiftShader, a split of vision-s answers as the whole model does', async ({ page }) => {
  test.setTimeout(240_000);
  const session = await ort.InferenceSession.create(join(BUILD, 'vision-s/model.onnx'));
  const out = await session.run({ image: new ort.Tensor('float32', Float32Array.from(IMAGE.data), IMAGE.shape) });
  const reference = Array.from((out.logits as ort.Tensor).data as Float32Array);
  await session.release();

  await open(page);
  const options = clientOptions('/models/catalog.json', { backends: ['webgpu', 'wasm'], broker: `/cloud/${await deadPort()}` });
  ok(await page.evaluate((o) => window.t.create('gpu', o), options));
  const split = ok(
    await page.evaluate(
      (x) => window.t.infer('gpu', 'vision-s', { image: x }, { split: { cut: 'block6-dw-conv', encoding: 'fp32' }, latencyBudgetMs: 60_000 }),
      IMAGE,
    ),
  );
  expect(split.route).toMatchObject({ where: 'split', split: { cut: 'block6-dw-conv', encoding: 'fp32', tailWhere: 'local' } });
  // The tail (all fp32) still runs on WebGPU.
  expect(split.route.backend).toBe('webgpu');
  expectClose(split.outputs.logits?.data, reference);

  // The fp16 tail takes a float16 tensor: it runs on wasm, within fp16's error of the whole model.
  const half = ok(
    await page.evaluate(
      (x) => window.t.infer('gpu', 'vision-s', { image: x }, { split: { cut: 'block6-dw-conv', encoding: 'fp16' }, latencyBudgetMs: 60_000 }),
      IMAGE,
    ),
  );
  expect(half.route).toMatchObject({ where: 'split', backend: 'wasm', split: { encoding: 'fp16', tailWhere: 'local' } });
  const got = half.outputs.logits?.data ?? [];
  expect(got.length).toBe(reference.length);
  expect(Math.max(...reference.map((v, i) => Math.abs(v - (got[i] as number))))).toBeLessThan(1e-3);
});
