// The only file that imports onnxruntime-web; runtime-host loads it with a dynamic import.
import { bytesFromStrings, DATATYPE_INFO, datatypeFromOrt, type NamedTensor, SplitflowError, stringsFromBytes, type TensorData } from '@splitflow/contract';
import * as ort from 'onnxruntime-web';
import type { LocalBackend, ModelSource, RuntimeAdapter, RuntimeSession, RuntimeSettings } from './runtime.js';

// A typed array that owns its whole (non-shared) buffer can be transferred as is; anything else is copied.
function owned<T extends ArrayBufferView>(data: T): T {
  const buffer = data.buffer;
  if (buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength) return data;
  const Ctor = data.constructor as new (source: T) => T;
  return new Ctor(data);
}

function toOrt(tensor: NamedTensor): ort.Tensor {
  if (tensor.datatype === 'BYTES') return new ort.Tensor('string', stringsFromBytes(tensor.data as Uint8Array[]), tensor.shape);
  const type = DATATYPE_INFO[tensor.datatype].ort as ort.Tensor.Type;
  return new ort.Tensor(type, tensor.data as ort.Tensor.DataTypeMap[Exclude<ort.Tensor.Type, 'string'>], tensor.shape);
}

function fromOrt(name: string, tensor: ort.Tensor): NamedTensor {
  const datatype = datatypeFromOrt(tensor.type);
  if (!datatype) throw new SplitflowError('INFERENCE_FAILED', { message: `output "${name}" has type ${tensor.type}, which Splitflow cannot carry` });
  const shape = [...tensor.dims];
  if (datatype === 'BYTES') return { name, datatype, shape, data: bytesFromStrings(tensor.data as string[]) };
  return { name, datatype, shape, data: owned(tensor.data as Exclude<TensorData, Uint8Array[]>) } as NamedTensor;
}

let configured = false;
function configure(settings: RuntimeSettings): void {
  // onnxruntime-web reads these once, when its wasm starts; later changes are ignored.
  if (configured) return;
  configured = true;
  if (settings.wasmPaths) ort.env.wasm.wasmPaths = settings.wasmPaths;
  if (settings.numThreads !== undefined) ort.env.wasm.numThreads = settings.numThreads;
}

export function createOnnxWebAdapter(): RuntimeAdapter {
  return {
    name: 'onnx-web',
    async createSession(source: ModelSource, backend: LocalBackend, settings: RuntimeSettings): Promise<RuntimeSession> {
      if (backend !== 'webgpu' && backend !== 'wasm') throw new Error(`onnxruntime-web has no backend "${backend}"`);
      configure(settings);
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
      return {
        backend,
        async run(inputs) {
          const feeds: Record<string, ort.Tensor> = {};
          for (const t of inputs) feeds[t.name] = toOrt(t);
          const results = await session.run(feeds);
          return session.outputNames.map((name) => fromOrt(name, results[name] as ort.Tensor));
        },
        dispose: () => session.release(),
      };
    },
  };
}
