// Valid documents of every schema, for tests of the contract and of the packages that use it.
import type { ModelCatalog } from '../schema/catalog.js';
import type { DeviceProfile } from '../schema/device.js';
import type { ModelManifest } from '../schema/manifest.js';
import type { RoutingPolicy } from '../schema/policy.js';
import type { PoolConfig } from '../schema/pool.js';

export const manifestFixture = (): ModelManifest => ({
  id: 'tiny',
  version: '1.0.0',
  task: 'classification',
  format: 'onnx',
  files: [{ path: 'tiny/model.onnx', bytes: 102_400, sha256: 'a'.repeat(64), role: 'model' }],
  inputs: [{ name: 'features', datatype: 'FP32', shape: ['batch', 64] }],
  outputs: [{ name: 'logits', datatype: 'FP32', shape: ['batch', 16] }],
  batchDim: 'batch',
  dimBounds: { batch: { min: 1, max: 1024 } },
  cost: {
    flops: [{ coefficient: 51_200, dims: { batch: 1 } }],
    parameterBytes: 100_000,
    activationBytes: [{ coefficient: 1_024, dims: { batch: 1 } }],
  },
  cutPoints: [
    {
      name: 'hidden',
      tensors: [{ name: 'hidden', datatype: 'FP32', shape: ['batch', 128] }],
      activationBytes: [{ coefficient: 512, dims: { batch: 1 } }],
      flopsBefore: [{ coefficient: 16_384, dims: { batch: 1 } }],
      flopsAfter: [{ coefficient: 34_816, dims: { batch: 1 } }],
      head: { path: 'tiny/cut-hidden/head.onnx', bytes: 40_000, sha256: 'c'.repeat(64), role: 'model' },
      encodings: [{ encoding: 'fp32', allowed: true, tail: 'tiny.hidden', top1Agreement: 1, maxAbsError: 0, outputScale: 3, samples: 4 }],
    },
  ],
  variants: [{ name: 'fp16', precision: 'fp16', files: [{ path: 'tiny/model.fp16.onnx', bytes: 51_200, sha256: 'b'.repeat(64) }], requires: ['shader-f16'] }],
});

/** The fp32 tail of the fixture's cut, as the catalog lists it. */
export const tailFixture = (): ModelManifest => ({
  id: 'tiny.hidden',
  version: '1.0.0',
  task: 'classification',
  format: 'onnx',
  files: [{ path: 'tiny/cut-hidden/tail.onnx', bytes: 70_000, sha256: 'd'.repeat(64), role: 'model' }],
  inputs: [{ name: 'hidden', datatype: 'FP32', shape: ['batch', 128] }],
  outputs: [{ name: 'logits', datatype: 'FP32', shape: ['batch', 16] }],
  batchDim: 'batch',
  dimBounds: { batch: { min: 1, max: 1024 } },
  cost: { flops: [{ coefficient: 34_816, dims: { batch: 1 } }], parameterBytes: 70_000, activationBytes: [{ coefficient: 512, dims: { batch: 1 } }] },
  tailOf: { model: 'tiny', cut: 'hidden', encoding: 'fp32' },
});

export const catalogFixture = (): ModelCatalog => ({
  catalogVersion: 1,
  thresholds: { maxLocalModelBytes: 64 << 20, minDeviceGflops: 1, latencyBudgetMs: 500, privacy: 'any', mode: 'auto' },
  policy: { models: { tiny: { mode: 'prefer-local' } } },
  models: [manifestFixture(), tailFixture()],
});

export const policyFixture = (): RoutingPolicy => ({ mode: 'auto', latencyBudgetMs: 200, models: { tiny: { privacy: 'local-only' } } });

export const deviceFixture = (): DeviceProfile => ({
  probedAt: 1_700_000_000_000,
  webgpu: { available: true, vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true, shaderF16: false, maxBufferSize: 1 << 30 },
  wasm: { available: true, simd: true, threads: 'unknown' },
  crossOriginIsolated: false,
  hardwareConcurrency: 8,
  deviceMemoryGb: 'unknown',
  network: { online: true, effectiveType: '4g', rttMs: 50, downlinkMbps: 10, saveData: false },
  gflops: 12.5,
  probeMs: 42,
});

export const poolFixture = (): PoolConfig => ({
  name: 'gpu-a',
  hardware: 'gpu',
  protocol: 'oip-v2',
  endpoints: [{ url: 'http://127.0.0.1:9001', kind: 'worker' }],
  costPerHour: 4,
  maxConcurrency: 8,
  models: ['tiny'],
  throughput: { gflops: 7000, fixedOverheadMs: 1.7 },
});
