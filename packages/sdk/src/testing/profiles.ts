import { DEFAULT_THRESHOLDS, type DeviceProfile, type ModelManifest, type NetworkInfo, type RoutingThresholds } from '@splitflow/contract/core';

// Device, network and model profiles for router tests and the router benchmark. Plain data, no I/O.

export const NETWORKS: Record<string, NetworkInfo> = {
  offline: { online: false, effectiveType: 'unknown', rttMs: 'unknown', downlinkMbps: 'unknown', saveData: 'unknown' },
  '3g': { online: true, effectiveType: '3g', rttMs: 300, downlinkMbps: 0.4, saveData: false },
  '4g': { online: true, effectiveType: '4g', rttMs: 70, downlinkMbps: 10, saveData: false },
  wifi: { online: true, effectiveType: '4g', rttMs: 10, downlinkMbps: 100, saveData: false },
  unknown: { online: 'unknown', effectiveType: 'unknown', rttMs: 'unknown', downlinkMbps: 'unknown', saveData: 'unknown' },
};

const device = (over: Partial<DeviceProfile>): DeviceProfile => ({
  probedAt: 0,
  webgpu: { available: false, reason: 'navigator.gpu is absent' },
  wasm: { available: true, simd: true, threads: false },
  crossOriginIsolated: false,
  hardwareConcurrency: 4,
  deviceMemoryGb: 4,
  network: NETWORKS['4g'] as NetworkInfo,
  gflops: 2,
  probeMs: 10,
  ...over,
});

export const DEVICES: Record<string, DeviceProfile> = {
  desktop: device({
    webgpu: { available: true, vendor: 'nvidia', isFallbackAdapter: false, shaderF16: true, maxBufferSize: 2 ** 31 },
    wasm: { available: true, simd: true, threads: true },
    crossOriginIsolated: true,
    hardwareConcurrency: 16,
    deviceMemoryGb: 8,
    gflops: 8,
  }),
  laptop: device({ hardwareConcurrency: 8, deviceMemoryGb: 8, gflops: 3, wasm: { available: true, simd: true, threads: true }, crossOriginIsolated: true }),
  phone: device({ hardwareConcurrency: 8, deviceMemoryGb: 4, gflops: 0.8, wasm: { available: true, simd: true, threads: false } }),
  'low-end': device({ hardwareConcurrency: 2, deviceMemoryGb: 1, gflops: 0.15, wasm: { available: true, simd: false, threads: false } }),
  unknown: device({
    webgpu: { available: false, reason: 'unknown' },
    wasm: { available: true, simd: 'unknown', threads: 'unknown' },
    crossOriginIsolated: 'unknown',
    hardwareConcurrency: 'unknown',
    deviceMemoryGb: 'unknown',
    gflops: 'unknown',
  }),
};

type Model = Pick<ModelManifest, 'id' | 'cost'> & { fileBytes: number; inputBytes: number; outputBytes: number };

const mlp = (id: string, flopsPerRow: number, parameterBytes: number, io: [number, number]): Model => ({
  id,
  cost: { flops: [{ coefficient: flopsPerRow, dims: { batch: 1 } }], parameterBytes, activationBytes: [{ coefficient: 4096, dims: { batch: 1 } }] },
  fileBytes: parameterBytes + 2048,
  inputBytes: io[0],
  outputBytes: io[1],
});

export const MODELS: Record<string, Model> = {
  tiny: mlp('tiny', 2 * (64 * 128 + 128 * 128 + 128 * 16), 4 * (64 * 128 + 128 * 128 + 128 * 16), [256, 64]),
  'vision-s': mlp('vision-s', 6e8, 14e6, [3 * 224 * 224 * 4, 4000]),
  large: mlp('large', 1.43e8, 4 * 6 * 4096 * 4096, [16384, 16384]),
};

export const thresholds = (over: Partial<RoutingThresholds> = {}): RoutingThresholds => ({ ...DEFAULT_THRESHOLDS, ...over });
