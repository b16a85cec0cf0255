import type { DeviceProfile, Throughput } from '@splitflow/contract/core';

/**
 * Prior speed of each local backend before this device has run the model once. The probe measures
 * scalar JavaScript GFLOPS; the runtimes beat that by SIMD and threads. These are priors only: after
 * the first run the router uses the measured time (live estimates), so they need to be roughly right,
 * not exact. Unknown GFLOPS counts as a slow device (1 GFLOPS) so an unmeasured device errs to cloud.
 */
export const UNKNOWN_DEVICE_GFLOPS = 1;

export function localThroughput(device: DeviceProfile, backend: string): Throughput {
  const base = device.gflops === 'unknown' ? UNKNOWN_DEVICE_GFLOPS : device.gflops;
  const cores = device.hardwareConcurrency === 'unknown' ? 1 : device.hardwareConcurrency;
  switch (backend) {
    case 'webgpu':
      // A software adapter (SwiftShader) is slower than wasm and pays a large per-run cost.
      if (device.webgpu.isFallbackAdapter) return { gflops: Math.max(0.1, base * 0.5), fixedOverheadMs: 10 };
      return { gflops: Math.max(base * 20, 100), fixedOverheadMs: 1.5 };
    case 'wasm': {
      const simd = device.wasm.simd === true ? 4 : 1;
      // onnxruntime-web's default thread count: min(4, ceil(cores / 2)).
      const threads = device.wasm.threads === true ? Math.min(4, Math.ceil(cores / 2)) : 1;
      return { gflops: base * simd * threads, fixedOverheadMs: 0.05 };
    }
    case 'tfjs-webgl':
      return { gflops: Math.max(base * 5, 20), fixedOverheadMs: 2 };
    default:
      return { gflops: base, fixedOverheadMs: 0.5 };
  }
}

/** Prior for session creation (graph parse, optimisation, weight upload): a fixed part plus bytes. */
export function compilePriorMs(parameterBytes: number): number {
  return 20 + parameterBytes / 50_000;
}
