// The SDK benchmark page (built with Vite, served cross-origin isolated). The Node driver
// (sdk-bench.ts) calls these through page.evaluate; every figure is measured here, in the page.
import {
  BINARY_HEADER,
  decodeInferResponse,
  encodeInferRequest,
  type ModelCatalog,
  type ModelManifest,
  type NamedTensor,
  readRouteInfo,
  SPLITFLOW_PARAMS,
  type Tensor,
} from '@splitflow/contract';
import { createClient, type InferResult, type LocalBackend, type SplitflowClient } from '@splitflow/sdk';
// An SDK internal, by path: the bench times the probe alone.
import { probeDevice } from '../../../../../packages/sdk/src/probe/probe-device.js';

const WASM_PATHS = '/ort/';
const CATALOG = '/models/catalog.json';
const base = { catalog: CATALOG, wasmPaths: WASM_PATHS, probe: { benchmarkMs: 15 } };

let catalogOnce: Promise<ModelCatalog> | undefined;
async function manifestOf(model: string): Promise<ModelManifest> {
  // Fetched once: router trials run offline too.
  catalogOnce ??= fetch(CATALOG).then((r) => r.json() as Promise<ModelCatalog>);
  const catalog = await catalogOnce;
  const manifest = catalog.models.find((m) => m.id === model);
  if (!manifest) throw new Error(`no model ${model}`);
  return manifest;
}

/** One input per manifest input: symbolic dims at their lower bound (batch 1), deterministic values. */
function inputsFor(manifest: ModelManifest): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const spec of manifest.inputs) {
    const shape = spec.shape.map((d) => (typeof d === 'number' ? d : (manifest.dimBounds?.[d]?.min ?? 1)));
    const n = shape.reduce((a, b) => a * b, 1);
    if (spec.datatype === 'INT64') out[spec.name] = { datatype: 'INT64', shape, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 100)) };
    else out[spec.name] = { datatype: 'FP32', shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01)) };
  }
  return out;
}

const copy = (inputs: Record<string, Tensor>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { ...t, data: (t.data as Float32Array).slice() } as Tensor]));

function directWorker(): Worker {
  return new Worker(new URL('./ort-direct-worker.ts', import.meta.url), { type: 'module' });
}

function once<T>(worker: Worker, message: unknown, transfer: Transferable[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data as T);
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(message, transfer);
  });
}

/**
 * One series of timed cloud requests (wall time, the server's reported queue and compute, the
 * request's phases): through an SDK client, or with the page's own fetch. The page's fetch sends its
 * body as a Blob, as the SDK's cloud client does: this Chromium uploads a typed array passed to fetch
 * as is several times slower, so the row is the best a page gets.
 */
function cloudSeries(withSdk: boolean) {
  const wall: number[] = [];
  const server: number[] = [];
  const routeMs: number[] = [];
  const parts = emptyParts();
  performance.setResourceTimingBufferSize(10_000);
  const record = (t: number, end: number, serverMs: number, counted: boolean) => {
    if (!counted) return;
    wall.push(end - t);
    server.push(serverMs);
    recordParts(parts, '/infer', t, end);
  };
  return {
    async sdk(client: SplitflowClient, model: string, inputs: Record<string, Tensor>, counted: boolean) {
      performance.clearResourceTimings();
      const t = performance.now();
      const r = await client.infer(model, copy(inputs), { mode: 'cloud-only' });
      const end = performance.now();
      if (counted) routeMs.push(r.route.timings.routeMs);
      record(t, end, (r.route.timings.queueMs ?? 0) + (r.route.timings.computeMs ?? 0), counted);
    },
    async fetch(broker: string, model: string, inputs: NamedTensor[], counted: boolean) {
      performance.clearResourceTimings();
      const t = performance.now();
      const encoded = encodeInferRequest({ inputs, parameters: { [SPLITFLOW_PARAMS.deadlineMs]: 20_000 }, binary: 65536 });
      const body = new Blob([encoded.body as Uint8Array<ArrayBuffer>]);
      const response = await fetch(`${broker}/v2/models/${model}/infer`, { method: 'POST', body, headers: encoded.headers });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const info = readRouteInfo(decodeInferResponse(bytes, response.headers.get(BINARY_HEADER)).response.parameters);
      record(t, performance.now(), ((info.queueUs ?? 0) + (info.computeUs ?? 0)) / 1000, counted);
    },
    result: () => ({ wall, server, parts: withSdk ? { ...parts, routeMs } : parts }),
  };
}

const clients = new Map<string, SplitflowClient>();

type Parts = Record<'beforeRequest' | 'connection' | 'toFirstByte' | 'responseBody' | 'afterResponse', number[]>;
const emptyParts = (): Parts => ({ beforeRequest: [], connection: [], toFirstByte: [], responseBody: [], afterResponse: [] });

/**
 * Where one request's wall time went, from the browser's Resource Timing of the request to `path`
 * (cross-origin entries need the server's Timing-Allow-Origin): before the browser started the
 * fetch (SDK work, encoding), fetch start to request start (the preflight cache, a connection, the
 * queue), request start to first response byte (the upload and the server), the response body, and
 * after it (decoding, SDK work).
 */
function recordParts(parts: Parts, path: string, started: number, ended: number): void {
  const entry = performance.getEntriesByType('resource').find((e) => e.name.includes(path)) as PerformanceResourceTiming | undefined;
  if (!entry || entry.requestStart <= 0) return;
  parts.beforeRequest.push(entry.fetchStart - started);
  parts.connection.push(entry.requestStart - entry.fetchStart);
  parts.toFirstByte.push(entry.responseStart - entry.requestStart);
  parts.responseBody.push(entry.responseEnd - entry.responseStart);
  parts.afterResponse.push(ended - entry.responseEnd);
}

const bench = {
  /** client.infer on the local route vs onnxruntime-web directly in a Worker, alternating. */
  async overhead(model: string, iterations: number, warmup: number) {
    const manifest = await manifestOf(model);
    const inputs = inputsFor(manifest);
    const client = await createClient({ ...base, policy: { minDeviceGflops: 0 } });
    await client.prefetch(model);
    const worker = directWorker();
    const bytes = new Uint8Array(await (await fetch(`/models/${manifest.files[0]?.path}`)).arrayBuffer());
    await once(worker, { type: 'load', bytes, wasmPaths: WASM_PATHS }, [bytes.buffer]);
    const [name, tensor] = Object.entries(inputs)[0] as [string, Tensor];
    const sdk: number[] = [];
    const direct: number[] = [];
    let backend = '';
    for (let i = 0; i < warmup + iterations; i++) {
      const a = copy(inputs);
      const t0 = performance.now();
      const r = await client.infer(model, a, { mode: 'local-only' });
      const t1 = performance.now();
      backend = r.route.backend ?? '';
      const b = (tensor.data as Float32Array).slice();
      const t2 = performance.now();
      await once(worker, { type: 'run', name, dims: tensor.shape, data: b, ortType: 'float32' }, [b.buffer]);
      const t3 = performance.now();
      if (i >= warmup) {
        sdk.push(t1 - t0);
        direct.push(t3 - t2);
      }
    }
    worker.terminate();
    await client.dispose();
    const inputBytes = Object.values(inputs).reduce((n, t) => n + (t.data as Float32Array).byteLength, 0);
    return { sdk, direct, inputBytes, backend, crossOriginIsolated };
  },

  /** Time to first result: empty Cache API, warm Cache API (new client and Worker), warm session. */
  async coldWarm(model: string) {
    const manifest = await manifestOf(model);
    const inputs = inputsFor(manifest);
    const run = async (client: SplitflowClient) => {
      const t = performance.now();
      const r = await client.infer(model, copy(inputs), { mode: 'local-only' });
      return { firstMs: performance.now() - t, timings: r.route.timings, backend: r.route.backend };
    };
    const create = async () => {
      const t = performance.now();
      const client = await createClient({ ...base, policy: { minDeviceGflops: 0 } });
      return { client, createMs: performance.now() - t };
    };
    for (const name of await caches.keys()) if (name.startsWith('splitflow-models')) await caches.delete(name);
    const a = await create();
    const empty = { createMs: a.createMs, ...(await run(a.client)) };
    const session = await run(a.client);
    await a.client.dispose();
    const b = await create();
    const warmCache = { createMs: b.createMs, ...(await run(b.client)) };
    await b.client.dispose();
    return { empty, warmCache, warmSession: { createMs: 0, ...session } };
  },

  async routerClient(id: string, broker: string, backends: LocalBackend[]) {
    await clients.get(id)?.dispose();
    const model = id.split('@')[0] as string;
    await manifestOf(model);
    // A long budget: both routes must finish so the benchmark can time the one not taken.
    const client = await createClient({ ...base, broker, backends, policy: { latencyBudgetMs: 20_000, minDeviceGflops: 0 } });
    clients.set(id, client);
    // An app prefetches the models it may run locally; this benchmark is about routing, not cold start.
    await client.prefetch(model);
    return { capabilities: client.capabilities };
  },

  async refresh(id: string) {
    return (clients.get(id) as SplitflowClient).refresh();
  },

  /** One router trial: the auto route, then the other route forced, both timed end to end. */
  async trial(id: string, model: string) {
    const client = clients.get(id) as SplitflowClient;
    const inputs = inputsFor(await manifestOf(model));
    const timed = async (mode: 'auto' | 'local-only' | 'cloud-only') => {
      const t = performance.now();
      try {
        const r: InferResult = await client.infer(model, copy(inputs), { mode });
        return { ms: performance.now() - t, where: r.route.where as string, fallback: r.route.fallback?.code, decision: r.route.decision, error: undefined };
      } catch (error) {
        return {
          ms: Number.POSITIVE_INFINITY,
          where: 'failed',
          fallback: undefined,
          decision: undefined,
          error: (error as { code?: string }).code ?? String(error),
        };
      }
    };
    const auto = await timed('auto');
    const other = await timed(auto.where === 'local' ? 'cloud-only' : 'local-only');
    const estimates = auto.decision?.estimates;
    return {
      chosen: auto.where,
      chosenMs: auto.ms,
      otherMs: other.ms,
      otherError: other.error,
      fallback: auto.fallback,
      estimates: { local: estimates?.local?.totalMs ?? null, cloud: estimates?.cloud?.totalMs ?? null },
      reason: auto.decision?.reason ?? auto.error,
    };
  },

  /**
   * The first local result of this page load: createClient (with `preload: [model]` when `preload`),
   * then one local run. Times are from the navigation's start (performance.now()), so the page's own
   * loading counts, as a user sees it. The page starts it itself (`?first=<model>`): no driver round
   * trip sits in the figure.
   */
  async firstResult(model: string, preload: boolean) {
    const created = performance.now();
    const client = await createClient({ ...base, ...(preload ? { preload: [model] } : {}) });
    const manifest = client.catalog.models.find((m) => m.id === model);
    if (!manifest) throw new Error(`no model ${model}`);
    const inputs = inputsFor(manifest);
    const started = performance.now();
    const r = await client.infer(model, inputs, { mode: 'local-only' });
    const done = performance.now();
    // The client stays, as in an app: its Worker is where V8 writes onnxruntime-web's compiled wasm
    // into Chromium's code cache, once no new optimised code has come for a while.
    window.firstClient = client;
    return {
      resultAtMs: done,
      clientAtMs: started,
      createMs: started - created,
      inferMs: done - started,
      timings: r.route.timings,
      backend: r.route.backend,
    };
  },

  /** The device probe as createClient runs it. */
  async probe() {
    const profile = await probeDevice();
    return profile.gflops === 'unknown' ? Number.NaN : profile.gflops;
  },

  /** `n` cloud runs of `model` through the SDK to `broker`, each timed end to end in the page. */
  async cloudRuns(model: string, broker: string, n: number, warmup: number) {
    const inputs = inputsFor(await manifestOf(model));
    const client = await createClient({ ...base, broker, policy: { latencyBudgetMs: 20_000 } });
    const runs = cloudSeries(true);
    for (let i = 0; i < warmup + n; i++) await runs.sdk(client, model, inputs, i >= warmup);
    await client.dispose();
    return runs.result();
  },

  /**
   * `n` cloud runs of `model` with the page's own fetch, no SDK: the request the Node client sends
   * (encoded per run, as the SDK does), so the browser's network path is measured apart from the SDK.
   */
  async fetchRuns(model: string, broker: string, n: number, warmup: number) {
    const inputs = Object.entries(inputsFor(await manifestOf(model))).map(([name, t]) => ({ name, ...t }) as NamedTensor);
    const runs = cloudSeries(false);
    for (let i = 0; i < warmup + n; i++) await runs.fetch(broker, model, inputs, i >= warmup);
    return runs.result();
  },

  /**
   * The SDK and the page's own fetch to the same `broker`, request by request, taking turns to go
   * first: the two are compared under the same moment's load, not a block of each.
   */
  async cloudPairs(model: string, broker: string, n: number, warmup: number) {
    const inputs = inputsFor(await manifestOf(model));
    const named = Object.entries(inputs).map(([name, t]) => ({ name, ...t }) as NamedTensor);
    const client = await createClient({ ...base, broker, policy: { latencyBudgetMs: 20_000 } });
    const sdk = cloudSeries(true);
    const own = cloudSeries(false);
    for (let i = 0; i < warmup + n; i++) {
      const counted = i >= warmup;
      if (i % 2 === 0) {
        await sdk.sdk(client, model, inputs, counted);
        await own.fetch(broker, model, named, counted);
      } else {
        await own.fetch(broker, model, named, counted);
        await sdk.sdk(client, model, inputs, counted);
      }
    }
    await client.dispose();
    return { sdk: sdk.result(), fetch: own.result() };
  },

  async dispose(id: string) {
    await clients.get(id)?.dispose();
    clients.delete(id);
  },
};

declare global {
  interface Window {
    bench: typeof bench;
    benchReady: boolean;
    firstResult?: ReturnType<typeof bench.firstResult>;
    firstClient?: SplitflowClient;
  }
}
window.bench = bench;
window.benchReady = true;
const query = new URLSearchParams(location.search);
const first = query.get('first');
if (first) window.firstResult = bench.firstResult(first, query.get('preload') === '1');
