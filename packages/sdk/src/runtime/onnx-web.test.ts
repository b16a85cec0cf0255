import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ModelManifest, validateCatalog } from '@splitflow/contract';
import * as ortNode from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { prefetchWasmBuild } from './onnx-web.js';
import { createRuntimeHost } from './runtime-host.js';

// The catalog's own ONNX models (built by `npm run models`) through onnxruntime-web's wasm backend in
// Node, against onnxruntime-node on the same bytes and input.
const models = resolve(import.meta.dirname, '../../../../models');
const built = existsSync(join(models, 'catalog.json')) && existsSync(join(models, 'build/tiny/model.onnx'));

describe('onnx-web adapter on catalog models', () => {
  beforeAll(() => {
    if (!built) throw new Error('models/build is missing: run `npm run models` before the tests');
  });

  it.each(['tiny', 'vision-s'])('%s matches onnxruntime-node within 1e-4', async (id) => {
    const catalog = validateCatalog(JSON.parse(await readFile(join(models, 'catalog.json'), 'utf8')));
    const manifest = catalog.models.find((m) => m.id === id) as ModelManifest;
    const bytes = new Uint8Array(await readFile(join(models, 'build', manifest.files[0]?.path as string)));
    const spec = manifest.inputs[0] as ModelManifest['inputs'][number];
    const shape = spec.shape.map((d) => (typeof d === 'number' ? d : 1));
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37));
    const host = createRuntimeHost();
    await host.load(
      { key: id, model: id, format: 'onnx', files: [{ path: 'model.onnx', role: 'model', bytes }], outputs: manifest.outputs.map((o) => o.name) },
      { backends: ['wasm'] },
    );
    const reply = await host.run(id, [{ name: spec.name, datatype: 'FP32', shape, data: data.slice() }]);
    if (reply.type !== 'ok') throw new Error(reply.error.error);
    const session = await ortNode.InferenceSession.create(bytes);
    const out = await session.run({ [spec.name]: new ortNode.Tensor('float32', data, shape) });
    const outputName = (manifest.outputs[0] as ModelManifest['outputs'][number]).name;
    const want = (out[outputName] as ortNode.Tensor).data as Float32Array;
    const got = reply.outputs[0]?.data as Float32Array;
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
    expect(worst).toBeLessThan(1e-4);
    await session.release();
    await host.dispose();
  });
});

describe('prefetchWasmBuild', () => {
  const gpu = (adapter: { info?: { isFallbackAdapter?: boolean } } | null | Error) => ({
    requestAdapter: () => (adapter instanceof Error ? Promise.reject(adapter) : Promise.resolve(adapter)),
  });

  it('fetches the wasm-only build where there is no WebGPU, no adapter, a failing one or a software one', async () => {
    for (const g of [undefined, gpu(null), gpu(new Error('no GPU process')), gpu({ info: { isFallbackAdapter: true } })]) {
      expect(await prefetchWasmBuild(g)).toBe(true);
    }
  });

  it('leaves it where a hardware adapter may run WebGPU with the default build', async () => {
    expect(await prefetchWasmBuild(gpu({ info: { isFallbackAdapter: false } }))).toBe(false);
    expect(await prefetchWasmBuild(gpu({}))).toBe(false);
  });
});
