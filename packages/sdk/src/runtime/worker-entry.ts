// The module Worker that runs models off the main thread. Comlink's `expose` is attached before any
// await: messages that arrive while a top-level await is pending would be lost.
import { expose, transfer } from 'comlink';
import { registerErrorTransfer } from './error-transfer.js';
import type { RuntimeHost } from './runtime.js';
import { createRuntimeHost } from './runtime-host.js';
import { transferablesOf } from './transferables.js';

registerErrorTransfer();
const host = createRuntimeHost();

const remote: RuntimeHost = {
  ping: () => host.ping(),
  has: (key) => host.has(key),
  load: (source, settings) => host.load(source, settings),
  prepare: (format, settings) => host.prepare(format, settings),
  async run(key, inputs) {
    const reply = await host.run(key, inputs);
    // Outputs (or, on failure, the inputs) move back to the page without a copy.
    return transfer(reply, transferablesOf(reply.type === 'ok' ? reply.outputs : reply.inputs));
  },
  unload: (key) => host.unload(key),
  dispose: () => host.dispose(),
};

expose(remote);

// The wasm-only runtime's code loads while the page still loads the catalog and probes the device,
// where that is the build a model will use (onnx-web.ts); a failure here is met again by `load`.
void import('./onnx-web.js').then((m) => m.prefetchWasmBuild()).catch(() => undefined);
