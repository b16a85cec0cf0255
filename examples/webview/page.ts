import type { ModelManifest, Tensor } from '@splitflow/contract';
import { createClient, type SplitflowClient } from '@splitflow/sdk';
import { listen, send } from './bridge.js';
import type { HostMessage, PlainTensor } from './protocol.js';

// A plain SDK page as an embedded WebView loads it: no COOP/COEP (so no wasm threads), no Service
// Worker, a memory budget from the host. Models that would not fit go to the cloud before any download,
// or are split where a cut's head fits.

const status = document.getElementById('status') as HTMLElement;
let client: Promise<SplitflowClient> | undefined;

const toTensor = (t: PlainTensor): Tensor =>
  ({
    datatype: t.datatype,
    shape: t.shape,
    data: t.datatype === 'FP32' ? Float32Array.from(t.data) : t.datatype === 'INT32' ? Int32Array.from(t.data) : BigInt64Array.from(t.data.map(BigInt)),
  }) as Tensor;

/** A deterministic input for each of the model's inputs, free dims bound to 1. */
function seededInputs(manifest: ModelManifest): Record<string, Tensor> {
  return Object.fromEntries(
    manifest.inputs.map((input, k) => {
      const shape = input.shape.map((d) => (typeof d === 'number' ? d : 1));
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));
      return [
        input.name,
        toTensor({ datatype: input.datatype === 'FP32' ? 'FP32' : 'INT32', shape, data: input.datatype === 'FP32' ? data : data.map(() => 1) }),
      ];
    }),
  );
}

async function handle(message: HostMessage): Promise<void> {
  if (message.type === 'configure') {
    client = createClient({
      catalog: new URL(message.catalog, location.href).href,
      ...(message.broker ? { broker: new URL(message.broker, location.href).href } : {}),
      ...(message.memoryBudgetBytes ? { memoryBudgetBytes: message.memoryBudgetBytes } : {}),
      ...(message.wasmPaths ? { wasmPaths: message.wasmPaths } : {}),
      policy: { minDeviceGflops: 0 },
    });
    const c = await client;
    // A model file the WebView's storage would not keep (quota, a full disk): the run goes on from the
    // network copy, and the host hears why the next start downloads again.
    c.on('storage', (f) => send({ type: 'storage', ...f }));
    const p = c.capabilities;
    status.textContent = `Ready: ${p.crossOriginIsolated === true ? 'isolated' : 'not isolated'}, wasm threads ${String(p.wasm.threads)}.`;
    send({
      type: 'ready',
      crossOriginIsolated: p.crossOriginIsolated === true,
      wasmThreads: p.wasm.threads,
      webgpu: p.webgpu.available,
      deviceMemoryGb: p.deviceMemoryGb,
      online: p.network.online,
    });
    return;
  }
  if (!client) throw Object.assign(new Error('send configure first'), { code: 'INVALID_REQUEST' });
  const c = await client;
  const manifest = c.catalog.models.find((m) => m.id === message.model);
  const inputs = message.inputs ? Object.fromEntries(Object.entries(message.inputs).map(([k, v]) => [k, toTensor(v)])) : manifest ? seededInputs(manifest) : {};
  const result = await c.infer(message.model, inputs, { mode: message.mode ?? 'auto', ...(message.privacy ? { privacy: message.privacy } : {}) });
  const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>, Number).slice(0, 64)]));
  status.textContent = `${message.model}: ${result.route.where} (${result.route.reason})`;
  send({
    type: 'result',
    id: message.id,
    where: result.route.where,
    ...(result.route.split ? { cut: result.route.split.cut } : {}),
    reason: result.route.reason,
    backend: result.route.backend,
    thread: result.route.thread,
    outputs,
  });
}

// Hosts (and the tests) wait for this before their first message: earlier ones would find no listener.
queueMicrotask(() => document.documentElement.setAttribute('data-bridge', 'listening'));
listen((message) => {
  handle(message).catch((error: { code?: string; message?: string }) => {
    status.textContent = `Error: ${error.code ?? 'ERROR'}: ${error.message}`;
    send({ type: 'error', ...(message.type === 'infer' ? { id: message.id } : {}), code: error.code ?? 'INTERNAL', message: String(error.message ?? error) });
  });
});
