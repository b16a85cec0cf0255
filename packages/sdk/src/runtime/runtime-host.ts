import { isSplitflowError, type NamedTensor, SplitflowError } from '@splitflow/contract/core';
import type { LoadReply, LocalBackend, ModelSource, RunReply, RuntimeAdapter, RuntimeHost, RuntimeSession, RuntimeSettings } from './runtime.js';

export type AdapterLoaders = Record<ModelSource['format'], () => Promise<RuntimeAdapter>>;

// Runtimes load on first use: the SDK's core bundle carries neither onnxruntime-web nor tfjs.
const DEFAULT_LOADERS: AdapterLoaders = {
  onnx: () => import('./onnx-web.js').then((m) => m.createOnnxWebAdapter()),
  tfjs: () => import('./tfjs.js').then((m) => m.createTfjsAdapter()),
};

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Sessions cached per model, over lazily loaded runtime adapters. Loading tries the backends in
 * order and keeps each failure's reason; a run failure drops the session (a lost WebGPU device
 * does not come back) and answers with the error and the inputs.
 */
export function createRuntimeHost(loaders: AdapterLoaders = DEFAULT_LOADERS): RuntimeHost {
  const sessions = new Map<string, RuntimeSession>();
  const adapters = new Map<string, Promise<RuntimeAdapter>>();
  const prepared = new Map<string, Promise<void>>();
  let disposed = false;

  const adapterFor = (format: ModelSource['format']) => {
    let adapter = adapters.get(format);
    if (!adapter) {
      adapter = loaders[format]();
      adapters.set(format, adapter);
      adapter.catch(() => adapters.delete(format));
    }
    return adapter;
  };

  const alive = () => {
    if (disposed) throw new SplitflowError('DISPOSED', { message: 'the local runtime was disposed' });
  };

  return {
    ping: async () => 'pong',
    has: async (key) => sessions.has(key),
    prepare(format, settings) {
      const backend = settings.backends[0];
      if (disposed || backend === undefined || !(format in loaders)) return Promise.resolve();
      // Once per runtime and backend: a preload and the first load both ask.
      const key = `${format}:${backend}`;
      let pending = prepared.get(key);
      if (!pending) {
        pending = adapterFor(format)
          .then((adapter) => adapter.prepare?.(backend, settings))
          .catch(() => {
            // `load` tries again and reports the reason with the model's name.
          });
        prepared.set(key, pending);
      }
      return pending;
    },
    async load(source, settings: RuntimeSettings): Promise<LoadReply> {
      alive();
      const existing = sessions.get(source.key);
      if (existing) return { backend: existing.backend, compileMs: 0, skipped: [] };
      if (settings.backends.length === 0) throw new SplitflowError('PROVIDER_UNAVAILABLE', { message: `no local backend can run model "${source.model}"` });
      let adapter: RuntimeAdapter;
      try {
        adapter = await adapterFor(source.format);
      } catch (error) {
        throw new SplitflowError('PROVIDER_UNAVAILABLE', { message: `the ${source.format} runtime failed to load: ${reasonOf(error)}`, cause: error });
      }
      const skipped: { backend: LocalBackend; reason: string }[] = [];
      for (const backend of settings.backends) {
        const started = performance.now();
        try {
          const session = await adapter.createSession(source, backend, settings);
          const compileMs = performance.now() - started;
          alive();
          sessions.set(source.key, session);
          return { backend, compileMs, skipped };
        } catch (error) {
          skipped.push({ backend, reason: reasonOf(error) });
        }
      }
      throw new SplitflowError('MODEL_LOAD_FAILED', {
        message: `model "${source.model}" could not load on any backend: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
        details: { model: source.model, attempts: skipped },
      });
    },
    async run(key, inputs: NamedTensor[]): Promise<RunReply> {
      const session = sessions.get(key);
      if (disposed || !session) {
        const error = disposed
          ? new SplitflowError('DISPOSED', { message: 'the local runtime was disposed' })
          : new SplitflowError('MODEL_NOT_READY', { message: `no session for "${key}"; load it first` });
        return { type: 'error', error: error.toJSON(), inputs };
      }
      const started = performance.now();
      try {
        const outputs = await session.run(inputs);
        return { type: 'ok', outputs, backend: session.backend, computeMs: performance.now() - started };
      } catch (error) {
        sessions.delete(key);
        await session.dispose().catch(() => undefined);
        const typed = isSplitflowError(error)
          ? error
          : new SplitflowError('INFERENCE_FAILED', {
              message: `local run of "${key}" on ${session.backend} failed: ${reasonOf(error)}`,
              details: { backend: session.backend },
            });
        return { type: 'error', error: typed.toJSON(), inputs };
      }
    },
    async unload(key) {
      const session = sessions.get(key);
      sessions.delete(key);
      await session?.dispose();
    },
    async dispose() {
      disposed = true;
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.dispose().catch(() => undefined)));
    },
  };
}
