import type { DeviceProfile } from '@splitflow/contract/core';

// The smallest module using a SIMD instruction (i8x16.popcnt via v128.const / i8x16 ops): it
// validates only where wasm SIMD is supported. Same bytes as wasm-feature-detect's `simd` test.
const SIMD_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

type Wasm = DeviceProfile['wasm'];

/** WebAssembly, its SIMD (validate a SIMD module) and threads (cross-origin isolated + SharedArrayBuffer). */
export function probeWasm(scope: { WebAssembly?: typeof WebAssembly; SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean }): Wasm {
  const wasm = scope.WebAssembly;
  if (typeof wasm !== 'object' || typeof wasm.validate !== 'function') return { available: false, simd: false, threads: false };
  let simd: Wasm['simd'] = 'unknown';
  try {
    simd = wasm.validate(SIMD_MODULE);
  } catch {
    simd = 'unknown';
  }
  const sab = typeof scope.SharedArrayBuffer === 'function';
  // Outside browsers (Node) there is no cross-origin isolation to ask about.
  const threads: Wasm['threads'] = typeof scope.crossOriginIsolated === 'boolean' ? scope.crossOriginIsolated && sab : 'unknown';
  return { available: true, simd, threads };
}
