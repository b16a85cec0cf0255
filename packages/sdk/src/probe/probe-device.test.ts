import { validateDeviceProfile } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { probeNetwork } from './network.js';
import { createCachedProbe, probeDevice } from './probe-device.js';
import { probeWasm } from './wasm.js';
import { probeWebGpu } from './webgpu.js';

describe('device probe', () => {
  it('gives Node a valid profile with unknowns instead of throwing', async () => {
    const profile = validateDeviceProfile(await probeDevice());
    expect(profile.webgpu.available).toBe(false);
    expect(profile.wasm).toEqual({ available: true, simd: true, threads: 'unknown' });
    expect(profile.crossOriginIsolated).toBe('unknown');
    expect(profile.network.effectiveType).toBe('unknown');
    expect(profile.gflops).toBeGreaterThan(0.01);
    expect(profile.probeMs).toBeLessThan(1000);
  });

  it('reports every part unknown or absent on a bare scope', async () => {
    const profile = validateDeviceProfile(await probeDevice({ scope: {} as typeof globalThis, benchmarkMs: 0 }));
    expect(profile).toMatchObject({
      webgpu: { available: false, reason: 'navigator.gpu is absent' },
      wasm: { available: false },
      crossOriginIsolated: 'unknown',
      hardwareConcurrency: 'unknown',
      deviceMemoryGb: 'unknown',
      gflops: 'unknown',
      network: { online: 'unknown', rttMs: 'unknown', downlinkMbps: 'unknown', saveData: 'unknown' },
    });
  });

  it('reads threads from cross-origin isolation and SharedArrayBuffer', () => {
    expect(probeWasm({ WebAssembly, SharedArrayBuffer, crossOriginIsolated: true }).threads).toBe(true);
    expect(probeWasm({ WebAssembly, SharedArrayBuffer, crossOriginIsolated: false }).threads).toBe(false);
    expect(probeWasm({ WebAssembly, crossOriginIsolated: true }).threads).toBe(false);
  });

  it('reads the Network Information API and ignores junk values', () => {
    expect(probeNetwork({ onLine: false, connection: { effectiveType: '3g', rtt: 300, downlink: 1.5, saveData: true } })).toEqual({
      online: false,
      effectiveType: '3g',
      rttMs: 300,
      downlinkMbps: 1.5,
      saveData: true,
    });
    expect(probeNetwork({ onLine: true, connection: { rtt: Number.NaN, downlink: -1 } })).toMatchObject({ rttMs: 'unknown', downlinkMbps: 'unknown' });
  });

  it('degrades WebGPU on a null adapter, a throwing adapter request and a hung one', async () => {
    expect(await probeWebGpu({ gpu: { requestAdapter: async () => null } })).toEqual({ available: false, reason: 'requestAdapter() returned no adapter' });
    expect((await probeWebGpu({ gpu: { requestAdapter: async () => Promise.reject(new Error('denied')) } })).reason).toMatch(/denied/);
    expect((await probeWebGpu({ gpu: { requestAdapter: () => new Promise(() => {}) } }, 20)).reason).toMatch(/over 20 ms/);
  });

  it('caches the profile for its TTL and shares one probe between concurrent callers', async () => {
    const probe = createCachedProbe({ benchmarkMs: 1, ttlMs: 60_000 });
    const [a, b] = await Promise.all([probe.get(), probe.get()]);
    expect(a).toBe(b);
    expect(await probe.get()).toBe(a);
    const fresh = await probe.refresh();
    expect(fresh).not.toBe(a);
    const expired = createCachedProbe({ benchmarkMs: 1, ttlMs: -1 });
    const first = await expired.get();
    expect(await expired.get()).not.toBe(first);
  });
});
