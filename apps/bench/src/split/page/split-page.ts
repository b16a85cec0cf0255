// The split benchmark's browser device (built with Vite, served cross-origin isolated): the real SDK
// in the page, its cloud behind the page server's proxy to the shaped link. The Node driver
// (browser-device.ts) calls these through page.evaluate; each run is timed here, in the page.
import type { CutEncoding, Tensor } from '@splitflow/contract';
import { createClient, type InferOptions, type LocalBackend, type SplitflowClient } from '@splitflow/sdk';

interface PageClientOptions {
  broker: string;
  backends?: LocalBackend[];
  numThreads?: number;
  /** False: the runtime on the page's main thread (where CDP CPU throttling reaches it). */
  worker: boolean;
}

export interface PageRun {
  ms: number;
  where: string;
  split?: { cut: string; encoding: CutEncoding };
  backend?: string;
  reason: string;
  estimates: Record<string, number>;
  outputs?: number[][];
}

const inputs = new Map<string, Record<string, Tensor>>();
let client: SplitflowClient | undefined;

const round1 = (v: number) => Math.round(v * 10) / 10;

const splitBench = {
  crossOriginIsolated: () => globalThis.crossOriginIsolated === true,

  /** A fresh client: every cell starts as a new page session would (model files stay in the Cache API). */
  async create(o: PageClientOptions) {
    await client?.dispose();
    client = await createClient({
      catalog: '/models/catalog.json',
      wasmPaths: '/ort/',
      broker: o.broker,
      worker: o.worker,
      ...(o.backends ? { backends: o.backends } : {}),
      ...(o.numThreads ? { numThreads: o.numThreads } : {}),
      probe: { benchmarkMs: 5 },
      policy: { minDeviceGflops: 0 },
    });
  },

  setInputs(model: string, tensors: { name: string; shape: number[]; data: number[] }[]) {
    inputs.set(model, Object.fromEntries(tensors.map((t) => [t.name, { datatype: 'FP32', shape: t.shape, data: Float32Array.from(t.data) } as Tensor])));
  },

  async infer(model: string, options: InferOptions, keepOutputs: boolean): Promise<PageRun> {
    if (!client) throw new Error('no client: call create first');
    const given = inputs.get(model);
    if (!given) throw new Error(`no inputs for ${model}`);
    const copy = Object.fromEntries(Object.entries(given).map(([k, t]) => [k, { ...t, data: (t.data as Float32Array).slice() } as Tensor]));
    const t0 = performance.now();
    const result = await client.infer(model, copy, options);
    const ms = performance.now() - t0;
    const r = result.route;
    const e = r.estimates;
    const estimates: Record<string, number> = {};
    if (e?.local) estimates.local = round1(e.local.totalMs);
    if (e?.cloud) estimates.cloud = round1(e.cloud.totalMs);
    for (const s of e?.split ?? []) estimates[`split@${s.cut}/${s.encoding}`] = round1(s.totalMs);
    return {
      ms,
      where: r.where,
      ...(r.split ? { split: { cut: r.split.cut, encoding: r.split.encoding } } : {}),
      ...(r.backend ? { backend: r.backend } : {}),
      reason: r.reason,
      estimates,
      ...(keepOutputs ? { outputs: Object.values(result.outputs).map((t) => Array.from(t.data as Float32Array)) } : {}),
    };
  },

  async dispose() {
    await client?.dispose();
    client = undefined;
  },
};

declare global {
  interface Window {
    splitBench: typeof splitBench;
    splitBenchReady: boolean;
  }
}
window.splitBench = splitBench;
window.splitBenchReady = true;
