import type { WebGpuInfo } from '@splitflow/contract/core';

// Only the slice of the WebGPU API the probe reads, so the SDK needs no @webgpu/types.
interface AdapterLike {
  features: { has(name: string): boolean };
  limits: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
  info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** WebGPU adapter facts, or `available: false` with the reason (no API, no adapter, error, timeout). */
export async function probeWebGpu(nav: unknown, timeoutMs = 1000): Promise<WebGpuInfo> {
  const gpu = (nav as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu || typeof gpu.requestAdapter !== 'function') return { available: false, reason: 'navigator.gpu is absent' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const adapter = await Promise.race([
      gpu.requestAdapter({ powerPreference: 'high-performance' }),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    if (adapter === 'timeout') return { available: false, reason: `requestAdapter() took over ${timeoutMs} ms` };
    if (!adapter) return { available: false, reason: 'requestAdapter() returned no adapter' };
    const info = adapter.info ?? {};
    const out: WebGpuInfo = {
      available: true,
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
      shaderF16: adapter.features.has('shader-f16'),
    };
    if (info.vendor) out.vendor = info.vendor;
    if (info.architecture) out.architecture = info.architecture;
    if (typeof adapter.limits.maxBufferSize === 'number') out.maxBufferSize = adapter.limits.maxBufferSize;
    if (typeof adapter.limits.maxStorageBufferBindingSize === 'number') out.maxStorageBufferBindingSize = adapter.limits.maxStorageBufferBindingSize;
    return out;
  } catch (error) {
    return { available: false, reason: `requestAdapter() failed: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
