import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isSplitflowError } from '@splitflow/contract';
import { type FixtureCatalog, writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../build-worker.js';
import type { ExecutionProvider } from './execution-provider.js';
import { createSessionOptions, listedProviders, openSession, withTuning } from './ort-node.js';

// This machine has no GPU and no Vulkan loader, so webgpu cannot find an adapter and cuda has no
// libraries: both must stop the worker with a typed error naming what is available, never fall back.
const hasVulkan = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1'].some(existsSync);

let fixture: FixtureCatalog;
beforeAll(async () => {
  fixture = await writeFixtureCatalog();
});
afterAll(async () => {
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

describe('execution providers', () => {
  it('this onnxruntime-node build lists cpu, webgpu and cuda', () => {
    expect(listedProviders()).toEqual(['cpu', 'webgpu', 'cuda']);
  });

  it.skipIf(hasVulkan)('webgpu without an adapter is a PROVIDER_UNAVAILABLE startup error naming cpu as available', async () => {
    const error = await buildWorker({ catalog: fixture.catalogPath, provider: 'webgpu' }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
    const e = error as Error & { details: { available: string[]; requested: string } };
    expect(e.message).toMatch(/"webgpu" cannot start here/);
    expect(e.message).toMatch(/Failed to get a WebGPU adapter/);
    expect(e.message).toMatch(/Available here: cpu$/);
    expect(e.details).toMatchObject({ requested: 'webgpu', available: ['cpu'] });
  });

  it('webgpu settings reach the webgpu provider as its options and are ignored by the others', () => {
    expect(createSessionOptions({ provider: 'webgpu', webgpu: { validationMode: 'disabled' } }).executionProviders).toEqual([
      { name: 'webgpu', validationMode: 'disabled' },
    ]);
    expect(createSessionOptions({ provider: 'webgpu' }).executionProviders).toEqual(['webgpu']);
    expect(createSessionOptions({ provider: 'cpu', webgpu: { validationMode: 'disabled' } }).executionProviders).toEqual(['cpu']);
  });

  it("a model's own graph optimisation level reaches onnxruntime; one it does not know is refused there", async () => {
    expect(createSessionOptions({ provider: 'cpu' }).graphOptimizationLevel).toBe('all');
    expect(createSessionOptions(withTuning({ provider: 'cpu' }, { graphOptimization: 'disabled' })).graphOptimizationLevel).toBe('disabled');
    expect(withTuning({ provider: 'webgpu', webgpu: { validationMode: 'disabled' } }, { graphOptimization: 'basic', webgpu: {} }).webgpu).toEqual({
      validationMode: 'disabled',
    });
    const model = await readFile(join(fixture.dir, 'double.onnx'));
    const error = await openSession(model, { provider: 'cpu', graphOptimization: 'bogus' as 'all' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/bogus/);
  });

  it("the validation mode reaches onnxruntime's webgpu provider: one it does not know is refused there, before any adapter", async () => {
    const model = await readFile(join(fixture.dir, 'double.onnx'));
    const error = await openSession(model, { provider: 'webgpu', webgpu: { validationMode: 'bogus' as 'disabled' } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Invalid validation mode: bogus/);
  });

  it('cuda without its libraries is a PROVIDER_UNAVAILABLE startup error', async () => {
    const error = await buildWorker({ catalog: fixture.catalogPath, provider: 'cuda' }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/"cuda" cannot start here: .*Failed to load shared library/);
  });

  it('an unknown provider is refused with the list of allowed ones', async () => {
    const error = await buildWorker({ catalog: fixture.catalogPath, provider: 'tpu' as ExecutionProvider }).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'PROVIDER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toBe('unknown execution provider "tpu"; expected one of cpu, webgpu, cuda');
  });

  it('cpu with a tpu hardware label serves and reports the label', async () => {
    const app = await buildWorker({ catalog: fixture.catalogPath, hardware: 'tpu', models: ['double'] });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v2/models/double/infer',
        payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] }] },
      });
      expect(res.headers['splitflow-hardware']).toBe('tpu');
      expect(res.json()).toMatchObject({ parameters: { 'splitflow.hardware': 'tpu' } });
    } finally {
      await app.close();
    }
  });
});
