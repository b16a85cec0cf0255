import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSplitflowError, type NamedTensor } from '@splitflow/contract';
import { type FixtureCatalog, writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import * as ortNode from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSource } from './runtime.js';
import { createRuntimeHost } from './runtime-host.js';

let fixture: FixtureCatalog;
let mlp: Uint8Array;
beforeAll(async () => {
  fixture = await writeFixtureCatalog();
  mlp = new Uint8Array(await readFile(join(fixture.dir, 'mlp.onnx')));
});

const source = (bytes: Uint8Array, key = 'mlp@1#default'): ModelSource => ({
  key,
  model: 'mlp',
  format: 'onnx',
  files: [{ path: 'mlp.onnx', role: 'model', bytes: bytes.slice() }],
  outputs: ['y'],
});
const input = (): NamedTensor => ({ name: 'x', datatype: 'FP32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 2) });

describe('runtime host with onnxruntime-web (wasm) in Node', () => {
  it('matches onnxruntime-node within 1e-4, trying webgpu first and saying why it was skipped', async () => {
    const host = createRuntimeHost();
    const loaded = await host.load(source(mlp), { backends: ['webgpu', 'wasm'] });
    expect(loaded.backend).toBe('wasm');
    expect(loaded.skipped[0]?.backend).toBe('webgpu');
    expect(loaded.skipped[0]?.reason.length).toBeGreaterThan(0);
    expect(await host.has('mlp@1#default')).toBe(true);
    const reply = await host.run('mlp@1#default', [input()]);
    expect(reply.type).toBe('ok');
    if (reply.type !== 'ok') return;
    const session = await ortNode.InferenceSession.create(mlp);
    const expected = (await session.run({ x: new ortNode.Tensor('float32', input().data as Float32Array, [3, 4]) })).y as ortNode.Tensor;
    expect(reply.outputs[0]).toMatchObject({ name: 'y', datatype: 'FP32', shape: [3, 3] });
    const got = reply.outputs[0]?.data as Float32Array;
    const want = expected.data as Float32Array;
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
    // Outputs own their buffers, so they can be transferred.
    expect(got.byteLength).toBe(got.buffer.byteLength);
    await host.dispose();
  });

  it('refuses a corrupt graph with MODEL_LOAD_FAILED listing every backend tried', async () => {
    const host = createRuntimeHost();
    const broken = mlp.slice(0, 40);
    const error = await host.load(source(broken), { backends: ['wasm'] }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'MODEL_LOAD_FAILED')).toBe(true);
    expect((error as { details: { attempts: unknown[] } }).details.attempts).toHaveLength(1);
    expect(await host.has('mlp@1#default')).toBe(false);
  });

  it('answers a failed run with the error and the inputs, and drops the session', async () => {
    const host = createRuntimeHost();
    await host.load(source(mlp), { backends: ['wasm'] });
    const bad: NamedTensor = { name: 'x', datatype: 'FP32', shape: [2, 5], data: new Float32Array(10) };
    const reply = await host.run('mlp@1#default', [bad]);
    expect(reply.type).toBe('error');
    if (reply.type !== 'error') return;
    expect(reply.error.code).toBe('INFERENCE_FAILED');
    expect(reply.inputs[0]?.data).toBe(bad.data);
    expect(await host.has('mlp@1#default')).toBe(false);
    const missing = await host.run('nope', [bad]);
    expect(missing.type === 'error' && missing.error.code).toBe('MODEL_NOT_READY');
  });

  it('prepares the runtime for the first backend before any model, and a model then loads on it', async () => {
    const host = createRuntimeHost();
    await host.prepare('onnx', { backends: ['wasm'] });
    const loaded = await host.load(source(mlp), { backends: ['wasm'] });
    expect(loaded.backend).toBe('wasm');
    expect((await host.run('mlp@1#default', [input()])).type).toBe('ok');
    await host.dispose();
  });

  it('prepares once per backend and quietly: a runtime that fails there is reported by load, with the reason', async () => {
    const prepared: string[] = [];
    const host = createRuntimeHost({
      onnx: async () => ({
        name: 'onnx-web',
        prepare: async (backend) => {
          prepared.push(backend);
          throw new Error('wasm compile failed');
        },
        createSession: () => Promise.reject(new Error('wasm compile failed')),
      }),
      tfjs: () => Promise.reject(new Error('no tfjs here')),
    });
    await expect(host.prepare('onnx', { backends: ['webgpu', 'wasm'] })).resolves.toBeUndefined();
    await expect(host.prepare('tfjs', { backends: ['tfjs-cpu'] })).resolves.toBeUndefined();
    // Once per runtime and backend, however many callers ask.
    await host.prepare('onnx', { backends: ['webgpu'] });
    await host.prepare('onnx', { backends: ['wasm'] });
    expect(prepared).toEqual(['webgpu', 'wasm']);
    const error = await host.load(source(mlp), { backends: ['wasm'] }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'MODEL_LOAD_FAILED')).toBe(true);
    expect((error as Error).message).toContain('wasm compile failed');
    expect(
      isSplitflowError(await host.load({ ...source(mlp), format: 'tfjs' }, { backends: ['tfjs-cpu'] }).catch((e: unknown) => e), 'PROVIDER_UNAVAILABLE'),
    ).toBe(true);
  });

  it('says PROVIDER_UNAVAILABLE when a runtime cannot load, and DISPOSED after dispose', async () => {
    const host = createRuntimeHost({ onnx: () => Promise.reject(new Error('no wasm here')), tfjs: () => Promise.reject(new Error('none')) });
    const error = await host.load(source(mlp), { backends: ['wasm'] }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
    await host.dispose();
    expect(isSplitflowError(await host.load(source(mlp), { backends: ['wasm'] }).catch((e: unknown) => e), 'DISPOSED')).toBe(true);
  });
});
