import type { DeviceProfile } from '@splitflow/contract/core';
import { measureGflops } from './gflops.js';
import { probeNetwork } from './network.js';
import { probeWasm } from './wasm.js';
import { probeWebGpu } from './webgpu.js';

export interface ProbeOptions {
  /** The global scope to read (window, a Worker's self, Node's globalThis). @default globalThis */
  scope?: typeof globalThis;
  /** Milliseconds of compute micro-benchmark; 0 skips it (gflops `unknown`). @default 15 */
  benchmarkMs?: number;
  /** Longest wait for a WebGPU adapter. @default 1000 */
  webgpuTimeoutMs?: number;
}

/**
 * Measures the device. Every part degrades to `unknown` (or `available: false` with a reason) where
 * the platform lacks the API: Safari, Firefox, WebViews and Node get a profile, never an exception.
 */
export async function probeDevice(options: ProbeOptions = {}): Promise<DeviceProfile> {
  const started = performance.now();
  const scope = options.scope ?? globalThis;
  const nav = (scope as { navigator?: Navigator }).navigator;
  const webgpu = probeWebGpu(nav, options.webgpuTimeoutMs);
  const wasm = probeWasm(scope as Parameters<typeof probeWasm>[0]);
  const coi = (scope as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  const cores = (nav as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency;
  const memory = (nav as { deviceMemory?: number } | undefined)?.deviceMemory;
  let gflops: DeviceProfile['gflops'] = 'unknown';
  try {
    if ((options.benchmarkMs ?? 15) > 0) gflops = await measureGflops({ budgetMs: options.benchmarkMs ?? 15 });
  } catch {
    gflops = 'unknown';
  }
  const profile: DeviceProfile = {
    probedAt: Date.now(),
    webgpu: await webgpu,
    wasm,
    crossOriginIsolated: typeof coi === 'boolean' ? coi : 'unknown',
    hardwareConcurrency: typeof cores === 'number' && cores >= 1 ? Math.floor(cores) : 'unknown',
    deviceMemoryGb: typeof memory === 'number' && memory >= 0 ? memory : 'unknown',
    network: probeNetwork(nav),
    gflops,
    probeMs: 0,
  };
  const ua = (nav as { userAgent?: string } | undefined)?.userAgent;
  if (typeof ua === 'string') profile.userAgent = ua;
  profile.probeMs = performance.now() - started;
  return profile;
}

export interface CachedProbe {
  /** The cached profile if younger than the TTL, else a fresh probe. */
  get(): Promise<DeviceProfile>;
  /** The last profile without probing (undefined before the first). */
  peek(): DeviceProfile | undefined;
  refresh(): Promise<DeviceProfile>;
}

/** A probe cached for `ttlMs` (per client, no global cache); concurrent callers share one probe. */
export function createCachedProbe(options: ProbeOptions & { ttlMs?: number } = {}): CachedProbe {
  const ttl = options.ttlMs ?? 10 * 60_000;
  let last: DeviceProfile | undefined;
  let pending: Promise<DeviceProfile> | undefined;
  const refresh = () => {
    pending ??= probeDevice(options).then(
      (p) => {
        last = p;
        pending = undefined;
        return p;
      },
      (error) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
  return {
    get: () => (last && Date.now() - last.probedAt < ttl ? Promise.resolve(last) : refresh()),
    peek: () => last,
    refresh,
  };
}
