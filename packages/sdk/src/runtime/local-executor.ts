import { type ModelFormat, type NamedTensor, SplitflowError } from '@splitflow/contract/core';
import { type Remote, releaseProxy, transfer, wrap } from 'comlink';
import { registerErrorTransfer } from './error-transfer.js';
import type { LoadReply, ModelSource, RunReply, RuntimeHost, RuntimeSettings } from './runtime.js';
import { createRuntimeHost } from './runtime-host.js';
import { transferablesOf } from './transferables.js';

export type WorkerOption = boolean | (() => Worker);

export interface LocalExecutor {
  /** `worker` when models run in a module Worker, `main-thread` when Workers are unavailable. */
  readonly kind: 'worker' | 'main-thread';
  /** Why the executor runs on the main thread, when it does. */
  readonly fallbackReason?: string;
  has(key: string): Promise<boolean>;
  load(source: ModelSource, settings: RuntimeSettings): Promise<LoadReply>;
  /** See RuntimeHost.prepare. */
  prepare(format: ModelFormat, settings: RuntimeSettings): Promise<void>;
  /** Moves the inputs to the runtime (their buffers are detached here); a failed run gives them back. */
  run(key: string, inputs: NamedTensor[]): Promise<RunReply>;
  dispose(): Promise<void>;
}

function defaultWorker(): Worker {
  // Bundlers (Vite, webpack 5, esbuild with the plugin) recognise this pattern and emit the Worker chunk.
  return new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module', name: 'splitflow-runtime' });
}

/** Resolves once the Worker answers a ping; rejects on its error event (e.g. module Workers unsupported). */
function handshake(worker: Worker, remote: Remote<RuntimeHost>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Worker did not answer within ${timeoutMs} ms`)), timeoutMs);
    const onError = (event: Event) => {
      clearTimeout(timer);
      reject(new Error((event as ErrorEvent).message || 'the Worker failed to start'));
    };
    worker.addEventListener('error', onError, { once: true });
    remote.ping().then(
      () => {
        clearTimeout(timer);
        worker.removeEventListener('error', onError);
        resolve();
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function mainThread(reason: string | undefined): LocalExecutor {
  const host = createRuntimeHost();
  return {
    kind: 'main-thread',
    fallbackReason: reason,
    has: (key) => host.has(key),
    load: (source, settings) => host.load(source, settings),
    prepare: (format, settings) => host.prepare(format, settings),
    run: (key, inputs) => host.run(key, inputs),
    dispose: () => host.dispose(),
  };
}

/**
 * The local runtime behind one interface: in a module Worker through comlink when possible (tensors
 * and model bytes move as transferables), else on the main thread with the same host. `dispose`
 * terminates the Worker.
 */
export async function createLocalExecutor(option: WorkerOption = true, handshakeMs = 10_000): Promise<LocalExecutor> {
  if (option === false) return mainThread('Workers were turned off by the caller');
  if (typeof Worker === 'undefined') return mainThread('this platform has no Worker');
  // Some Node setups define a global Worker (worker_threads-like, no EventTarget, no module URLs).
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown; process?: { versions?: { node?: string } } };
  if (option === true && g.process?.versions?.node && g.document === undefined && g.WorkerGlobalScope === undefined) {
    return mainThread('Node has no module Web Worker');
  }
  registerErrorTransfer();
  let worker: Worker;
  try {
    worker = option === true ? defaultWorker() : option();
  } catch (error) {
    return mainThread(`module Workers are unavailable: ${(error as Error).message}`);
  }
  if (typeof worker.addEventListener !== 'function') {
    (worker as { terminate?: () => void }).terminate?.();
    return mainThread('the Worker is not a Web Worker (no EventTarget)');
  }
  const remote = wrap<RuntimeHost>(worker);
  try {
    await handshake(worker, remote, handshakeMs);
  } catch (error) {
    worker.terminate();
    return mainThread(`the runtime Worker failed: ${(error as Error).message}`);
  }
  let disposed = false;
  const alive = () => {
    if (disposed) throw new SplitflowError('DISPOSED', { message: 'the local runtime was disposed' });
  };
  return {
    kind: 'worker',
    has: async (key) => !disposed && (await remote.has(key)),
    async load(source, settings) {
      alive();
      const buffers = transferablesOf(source.files.map((f) => ({ name: f.path, datatype: 'UINT8', shape: [f.bytes.length], data: f.bytes })));
      return remote.load(transfer(source, buffers), settings);
    },
    prepare: async (format, settings) => (disposed ? undefined : remote.prepare(format, settings)),
    async run(key, inputs) {
      alive();
      return (await remote.run(key, transfer(inputs, transferablesOf(inputs)))) as RunReply;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      // Give sessions a moment to release GPU buffers, then terminate regardless.
      await Promise.race([remote.dispose().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}
