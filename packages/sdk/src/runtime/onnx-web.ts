// The only file that imports onnxruntime-web; runtime-host loads it with a dynamic import.
import { fromOrtTensor, type NamedTensor, SplitflowError, type TensorData, toOrtTensor } from '@splitflow/contract/core';
import type * as Ort from 'onnxruntime-web';
import type { LocalBackend, ModelSource, RuntimeAdapter, RuntimeSession, RuntimeSettings } from './runtime.js';

// A typed array that owns its whole (non-shared) buffer can be transferred as is; anything else is copied.
function owned<T extends ArrayBufferView>(data: T): T {
  const buffer = data.buffer;
  if (buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength) return data;
  const Ctor = data.constructor as new (source: T) => T;
  return new Ctor(data);
}

type OrtModule = typeof Ort;

/**
 * Which onnxruntime-web build to load. The default build carries WebGPU (jsep: a 28 MB .wasm); the
 * `wasm` build (14 MB) is enough where WebGPU is not used, and halves what a first visit downloads
 * and compiles. Once a build is loaded it serves every later session: two builds would mean two
 * runtimes in memory. Node resolves the default entry to onnxruntime-web's Node build.
 */
const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
let loaded: { build: 'full' | 'wasm'; ort: Promise<OrtModule> } | undefined;
function loadOrt(backend: 'webgpu' | 'wasm', settings: RuntimeSettings): Promise<OrtModule> {
  if (!loaded) {
    const build = backend === 'webgpu' || isNode ? 'full' : 'wasm';
    const ort = (build === 'full' ? import('onnxruntime-web') : import('onnxruntime-web/wasm')).then((m) => {
      configure((m as { default?: OrtModule }).default ?? m, settings);
      return (m as { default?: OrtModule }).default ?? m;
    });
    loaded = { build, ort };
  }
  if (backend === 'webgpu' && loaded.build === 'wasm') {
    return Promise.reject(new Error("onnxruntime-web's wasm-only build is loaded in this Worker; WebGPU needs the default build"));
  }
  return loaded.ort;
}

type GpuLike = { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean }; features?: Set<string> } | null> };
const gpuOf = () => (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;

/**
 * onnxruntime-web 1.30's WebGPU backend, on an adapter without shader-f16 (SwiftShader), gives zeros
 * for every output of a graph that holds a float16 tensor, its fp32 outputs too, and no error (a
 * cut's head holds one: its fp16 encoding's Cast). Such a session is refused, so the host runs the
 * graph on its next backend; the graph's own inputs and outputs show the float16 tensors of the
 * catalog's heads and fp16 tails.
 */
let noShaderF16: Promise<boolean> | undefined;
const lacksShaderF16 = () => {
  noShaderF16 ??= Promise.resolve(gpuOf()?.requestAdapter())
    .then((a) => !a?.features?.has('shader-f16'))
    .catch(() => true);
  return noShaderF16;
};

/**
 * Where this device has no WebGPU adapter, or only a software one (which the SDK leaves to wasm by
 * default), onnx models run on the wasm-only build: fetches and parses its code, nothing more, so it is
 * ready when `prepare` or a model asks. Its wasm starts in `loadOrt`, which alone knows the caller's
 * `wasmPaths` and threads. Resolves whether it fetched.
 */
export async function prefetchWasmBuild(gpu = gpuOf()): Promise<boolean> {
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (adapter && !adapter.info?.isFallbackAdapter) return false;
  await import('onnxruntime-web/wasm');
  return true;
}

/** An output as the Worker sends it back: the contract's mapping, its arrays made transferable. */
function fromOrt(name: string, tensor: Ort.Tensor): NamedTensor {
  const out = fromOrtTensor(name, tensor);
  if (out.datatype !== 'BYTES') out.data = owned(out.data as Exclude<TensorData, Uint8Array[]>);
  return out;
}

function configure(ort: OrtModule, settings: RuntimeSettings): void {
  // onnxruntime-web reads these once, when its wasm starts; later changes are ignored.
  if (settings.wasmPaths) ort.env.wasm.wasmPaths = settings.wasmPaths;
  if (settings.numThreads !== undefined) ort.env.wasm.numThreads = settings.numThreads;
}

// The smallest graph onnxruntime-web accepts (ONNX IR 8, opset 13: y = Identity(x), float[1]). A session
// of it makes onnxruntime fetch, compile and start its wasm, which otherwise happens inside the first
// real session: `prepare` does it while the model downloads.
const IDENTITY_MODEL = 'CAg6NwoQCgF4EgF5IghJZGVudGl0eRIBZ1oPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEA0=';

export function createOnnxWebAdapter(): RuntimeAdapter {
  return {
    name: 'onnx-web',
    async prepare(backend, settings) {
      if (backend !== 'webgpu' && backend !== 'wasm') return;
      const ort = await loadOrt(backend, settings);
      const bytes = Uint8Array.from(atob(IDENTITY_MODEL), (c) => c.charCodeAt(0));
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [backend] });
      await session.release();
    },
    async createSession(source: ModelSource, backend: LocalBackend, settings: RuntimeSettings): Promise<RuntimeSession> {
      if (backend !== 'webgpu' && backend !== 'wasm') throw new Error(`onnxruntime-web has no backend "${backend}"`);
      const ort = await loadOrt(backend, settings);
      const graph = source.files.find((f) => f.role === 'model' || f.role === undefined);
      if (!graph) throw new SplitflowError('MODEL_LOAD_FAILED', { message: `model "${source.model}" has no graph file` });
      const externalData = source.files.filter((f) => f.role === 'weights').map((f) => ({ path: f.path.split('/').pop() as string, data: f.bytes }));
      // One provider per session, no silent fallback inside onnxruntime: the host tries the next
      // backend itself, so the route says which backend really ran.
      const session = await ort.InferenceSession.create(graph.bytes, {
        executionProviders: [backend],
        graphOptimizationLevel: 'all',
        ...(externalData.length > 0 ? { externalData } : {}),
      });
      if (
        backend === 'webgpu' &&
        (await lacksShaderF16()) &&
        [...session.inputMetadata, ...session.outputMetadata].some((m) => m.isTensor && m.type === 'float16')
      ) {
        await session.release();
        throw new Error('WebGPU without shader-f16 gives wrong results for graphs with float16 tensors in onnxruntime-web');
      }
      // The source's outputs, when they are a subset of the graph's, are all that is fetched: a cut's
      // head outputs every wire encoding and only the one sent is computed.
      const fetches = source.outputs.length > 0 && source.outputs.every((o) => session.outputNames.includes(o)) ? source.outputs : session.outputNames;
      return {
        backend,
        async run(inputs) {
          const feeds: Record<string, Ort.Tensor> = {};
          for (const t of inputs) feeds[t.name] = toOrtTensor(ort.Tensor, t);
          const results = await session.run(feeds, [...fetches]);
          return fetches.map((name) => fromOrt(name, results[name] as Ort.Tensor));
        },
        dispose: () => session.release(),
      };
    },
  };
}
