import { type DeviceProfile, type DimBinding, type ModelManifest, type NamedTensor, SplitflowError, workOf } from '@splitflow/contract/core';
import type { ModelStore } from '../delivery/model-store.js';
import { type ChosenVariant, pickVariant } from '../delivery/pick-variant.js';
import type { LocalPlan } from '../router/latency-router.js';
import type { LiveEstimates } from '../router/live-estimates.js';
import type { LocalExecutor } from '../runtime/local-executor.js';
import { type LocalBackend, ONNX_BACKENDS, type RuntimeSettings, TFJS_BACKENDS } from '../runtime/runtime.js';
import type { Emitter } from './emitter.js';
import { memoryMisfit } from './memory-fit.js';
import type { ClientEvents, ClientOptions, Route, RouteTimings } from './types.js';

interface Session {
  key: string;
  backend: LocalBackend;
  variant: ChosenVariant;
  /** Whether the session has run once: its first run is warm-up, measured apart. */
  ran: boolean;
}

export type LocalRoutePlan = LocalPlan & { variant: ChosenVariant; backends: LocalBackend[] };

export interface LocalOutcome {
  outputs: NamedTensor[];
  route: Pick<Route, 'backend' | 'thread'>;
  timings: Partial<RouteTimings>;
}

/** The tensors to send; a local failure hands back the inputs the Worker took. */
export interface InputHolder {
  tensors: NamedTensor[];
}

/** The runtime Worker, made on first use and kept. */
export interface ExecutorHolder {
  get(): Promise<LocalExecutor>;
  /** Disposes the executor if one was made. */
  dispose(): Promise<void>;
}

/**
 * The executor is loaded on first local use, like the runtimes: a client that only calls the cloud
 * never fetches the Worker plumbing (comlink).
 */
export function lazyExecutor(worker: ClientOptions['worker']): ExecutorHolder {
  let executor: Promise<LocalExecutor> | undefined;
  return {
    get() {
      executor ??= import('../runtime/local-executor.js').then((m) => m.createLocalExecutor(worker ?? true));
      return executor;
    },
    async dispose() {
      const runtime = await executor?.catch(() => undefined);
      await runtime?.dispose();
    },
  };
}

export interface LocalRouteDeps {
  options: Pick<ClientOptions, 'backends' | 'wasmPaths' | 'numThreads' | 'memoryBudgetBytes'>;
  executor: ExecutorHolder;
  store: ModelStore;
  live: LiveEstimates;
  emitter: Emitter<ClientEvents>;
  /** Throws DISPOSED once the client is disposed. */
  alive(): void;
}

const now = () => performance.now();

/**
 * The device's route: which backends a model may use here, whether it can run (memory, backends,
 * bytes still to fetch), its sessions in the runtime (one load per model and variant, however many
 * callers wait), and a run with its timings. The runtime Worker starts on first use.
 */
export function createLocalRoute({ options, executor, store, live, emitter, alive }: LocalRouteDeps) {
  const getExecutor = () => executor.get();
  const sessions = new Map<string, Session>();
  const loading = new Map<string, Promise<Session & { downloadMs: number; runtimeMs: number; compileMs: number; fromCache: boolean }>>();
  function backendsFor(manifest: ModelManifest, device: DeviceProfile): LocalBackend[] {
    const allowed: readonly LocalBackend[] = manifest.format === 'tfjs' ? TFJS_BACKENDS : ONNX_BACKENDS;
    if (options.backends) return options.backends.filter((b) => allowed.includes(b));
    if (manifest.format === 'tfjs') return [...TFJS_BACKENDS];
    const out: LocalBackend[] = [];
    // A software adapter (SwiftShader) is slower than wasm: use WebGPU only on real hardware by default.
    if (device.webgpu.available && !device.webgpu.isFallbackAdapter) out.push('webgpu');
    if (device.wasm.available) out.push('wasm');
    return out;
  }

  // A cut's head is one manifest id whose outputs are the wire tensors of one encoding: each encoding
  // is a session of its own, so switching encodings never reuses a session that fetches the wrong ones.
  const outputsOf = (manifest: ModelManifest) => manifest.outputs.map((o) => o.name).join(',');
  const slot = (manifest: ModelManifest) => `${manifest.id}>${outputsOf(manifest)}`;
  const sessionKey = (manifest: ModelManifest, variant: ChosenVariant) => `${manifest.id}@${manifest.version}#${variant.name}>${outputsOf(manifest)}`;

  async function planLocal(manifest: ModelManifest, device: DeviceProfile, dims?: DimBinding): Promise<LocalRoutePlan> {
    const variant = pickVariant(manifest, device);
    const backends = backendsFor(manifest, device);
    const session = sessions.get(slot(manifest));
    const warm = session !== undefined && session.key === sessionKey(manifest, variant);
    const base = {
      variant,
      backends,
      modelBytes: variant.bytes,
      sessionWarm: warm,
      backend: warm ? (session?.backend as LocalBackend) : (backends[0] ?? 'wasm'),
    };
    if (backends.length === 0) {
      return { ...base, runnable: false, reason: `no local backend for ${manifest.format} models on this device`, missingBytes: variant.bytes };
    }
    // Checked before anything is downloaded or compiled: a model that cannot fit goes to the cloud, not into an out-of-memory crash.
    // Without inputs (prefetch) only the weights are known.
    const need = dims ? workOf(manifest, dims).bytes : manifest.cost.parameterBytes;
    const misfit = memoryMisfit(need, options.memoryBudgetBytes, backends);
    if (misfit) return { ...base, runnable: false, reason: misfit, missingBytes: variant.bytes };
    return { ...base, runnable: true, missingBytes: warm ? 0 : await store.missingBytes(variant.files) };
  }

  function ensureSession(manifest: ModelManifest, variant: ChosenVariant, backends: LocalBackend[], signal?: AbortSignal) {
    const key = sessionKey(manifest, variant);
    const warm = sessions.get(slot(manifest));
    if (warm?.key === key) return Promise.resolve({ ...warm, downloadMs: 0, runtimeMs: 0, compileMs: 0, fromCache: true });
    let pending = loading.get(key);
    if (!pending) {
      pending = (async () => {
        const started = now();
        const settings: RuntimeSettings = { backends, wasmPaths: options.wasmPaths, numThreads: options.numThreads };
        // The Worker and the runtime start while the model downloads (or comes out of the cache).
        let runtimeMs = 0;
        const runtimeReady = getExecutor()
          .then((runtime) => runtime.prepare(manifest.format, settings))
          .finally(() => {
            runtimeMs = now() - started;
          });
        runtimeReady.catch(() => undefined);
        const files = await store.load(manifest.id, variant.files, signal);
        const downloadMs = now() - started;
        // Read before the bytes move to the Worker (their buffers detach).
        live.recordTransfer(
          files.filter((f) => !f.fromCache).reduce((n, f) => n + f.bytes.byteLength, 0),
          downloadMs,
        );
        alive();
        const graph = variant.files.find((f) => f.role === 'model' || f.role === undefined) ?? variant.files[0];
        emitter.emit('progress', {
          model: manifest.id,
          phase: 'compile',
          file: graph?.path ?? '',
          loaded: variant.bytes,
          total: variant.bytes,
          fromCache: files.every((f) => f.fromCache),
        });
        const runtime = await getExecutor();
        await runtimeReady.catch(() => undefined);
        const reply = await runtime.load(
          {
            key,
            model: manifest.id,
            format: manifest.format,
            files: files.map((f) => ({ path: f.path, role: f.role, bytes: f.bytes })),
            outputs: manifest.outputs.map((o) => o.name),
          },
          settings,
        );
        live.recordCompile(manifest.id, reply.compileMs);
        const session: Session = { key, backend: reply.backend, variant, ran: false };
        sessions.set(slot(manifest), session);
        return { ...session, downloadMs, runtimeMs, compileMs: reply.compileMs, fromCache: files.every((f) => f.fromCache) };
      })();
      loading.set(key, pending);
      const clear = () => loading.delete(key);
      pending.then(clear, clear);
    }
    return pending;
  }

  async function runLocal(manifest: ModelManifest, plan: LocalRoutePlan, flops: number, holder: InputHolder, signal?: AbortSignal): Promise<LocalOutcome> {
    const session = await ensureSession(manifest, plan.variant, plan.backends, signal);
    const runtime = await getExecutor();
    const first = sessions.get(slot(manifest));
    if (first?.key === session.key && !first.ran) {
      const graph = plan.variant.files.find((f) => f.role === 'model' || f.role === undefined) ?? plan.variant.files[0];
      emitter.emit('progress', {
        model: manifest.id,
        phase: 'first-run',
        file: graph?.path ?? '',
        loaded: plan.variant.bytes,
        total: plan.variant.bytes,
        fromCache: true,
      });
    }
    const started = now();
    const reply = await runtime.run(session.key, holder.tensors);
    const computeMs = now() - started;
    if (reply.type === 'error') {
      holder.tensors = reply.inputs;
      sessions.delete(slot(manifest));
      throw SplitflowError.from(reply.error);
    }
    const current = sessions.get(slot(manifest));
    if (current?.key === session.key && !current.ran) {
      current.ran = true;
      live.recordFirstRun(manifest.id, computeMs);
    } else live.recordLocal(manifest.id, flops, computeMs);
    return {
      outputs: reply.outputs,
      route: { backend: reply.backend, thread: runtime.kind },
      timings: { downloadMs: session.downloadMs, runtimeMs: session.runtimeMs, compileMs: session.compileMs, computeMs },
    };
  }

  return {
    backendsFor,
    planLocal,
    ensureSession,
    runLocal,
    /** Starts the Worker and `manifest`'s runtime on this device, without a model. */
    prepare(manifest: ModelManifest, device: DeviceProfile): Promise<void> {
      const settings: RuntimeSettings = { backends: backendsFor(manifest, device), wasmPaths: options.wasmPaths, numThreads: options.numThreads };
      return getExecutor().then((runtime) => runtime.prepare(manifest.format, settings));
    },
    /** Whether a session of this head (`headKey`), in any encoding, is loaded. */
    hasHeadSession: (head: string) => [...sessions.keys()].some((k) => k.startsWith(`${head}>`)),
    async dispose(): Promise<void> {
      sessions.clear();
      await executor.dispose();
    },
  };
}

export type LocalRoute = ReturnType<typeof createLocalRoute>;
