// The browser test page: exposes the SDK (from source) and small helpers to Playwright's
// page.evaluate. Tensors cross page.evaluate as plain arrays; errors come back as { code, message }.
import type { Datatype, Tensor } from '@splitflow/contract';
import * as sdk from '../src/index.js';
import { probeDevice } from '../src/probe/probe-device.js';

export interface PlainTensor {
  datatype: Datatype;
  shape: number[];
  data: number[];
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; details: unknown } };

const clients = new Map<string, sdk.SplitflowClient>();
const events = new Map<string, unknown[]>();

async function outcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const e = error as { code?: string; message?: string; details?: unknown };
    return { ok: false, error: { code: e.code ?? 'NOT_SPLITFLOW', message: String(e.message ?? error), details: e.details } };
  }
}

const toTensor = (t: PlainTensor): Tensor =>
  ({ datatype: t.datatype, shape: t.shape, data: t.datatype === 'FP32' ? Float32Array.from(t.data) : Int32Array.from(t.data) }) as Tensor;

const helpers = {
  probe: (options?: sdk.ProbeOptions) => outcome(() => probeDevice(options)),
  create: (id: string, options: sdk.ClientOptions) =>
    outcome(async () => {
      const client = await sdk.createClient(options);
      clients.set(id, client);
      const log: unknown[] = [];
      events.set(id, log);
      client.on('progress', (p) => log.push({ type: 'progress', ...p }));
      client.on('fallback', (f) => log.push({ type: 'fallback', ...f }));
      client.on('storage', (f) => log.push({ type: 'storage', ...f }));
      return client.capabilities;
    }),
  infer: (id: string, model: string, inputs: Record<string, PlainTensor>, options?: sdk.InferOptions) =>
    outcome(async () => {
      const client = clients.get(id) as sdk.SplitflowClient;
      const result = await client.infer(model, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, toTensor(v)])), options);
      const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, t]) => [k, { ...t, data: Array.from(t.data as Float32Array) }]));
      return { outputs, route: result.route };
    }),
  prefetch: (id: string, model: string) => outcome(() => (clients.get(id) as sdk.SplitflowClient).prefetch(model)),
  refresh: (id: string) => outcome(() => (clients.get(id) as sdk.SplitflowClient).refresh()),
  events: (id: string) => events.get(id) ?? [],
  dispose: (id: string) =>
    outcome(async () => {
      await clients.get(id)?.dispose();
      clients.delete(id);
    }),
  /** Deletes the SDK's model caches of every layout. */
  clearCache: async () => {
    for (const name of await caches.keys()) if (name.startsWith('splitflow-models')) await caches.delete(name);
  },
  cacheNames: () => caches.keys(),
};

declare global {
  interface Window {
    sdk: typeof sdk;
    t: typeof helpers;
    sdkReady: boolean;
  }
}

window.sdk = sdk;
window.t = helpers;
window.sdkReady = true;
