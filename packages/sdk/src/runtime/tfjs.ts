// The only file that imports @tensorflow/tfjs; runtime-host loads it with a dynamic import.
import { type Datatype, type NamedTensor, SplitflowError } from '@splitflow/contract/core';
import * as tf from '@tensorflow/tfjs';
import type { LocalBackend, ModelSource, RuntimeAdapter, RuntimeSession } from './runtime.js';

const TO_TF: Partial<Record<Datatype, tf.DataType>> = { FP32: 'float32', INT32: 'int32', BOOL: 'bool', UINT8: 'int32', INT8: 'int32', INT16: 'int32' };
const FROM_TF: Partial<Record<string, Datatype>> = { float32: 'FP32', int32: 'INT32', bool: 'BOOL' };

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: unknown;
}

const basename = (p: string) => p.split('/').pop() as string;

/** A tfjs model's artifacts from verified bytes: model.json plus its shards concatenated in manifest order. */
function artifacts(source: ModelSource): tf.io.ModelArtifacts {
  const jsonFile = source.files.find((f) => f.role === 'model') ?? source.files.find((f) => f.path.endsWith('.json'));
  if (!jsonFile) throw new SplitflowError('MODEL_LOAD_FAILED', { message: `tfjs model "${source.model}" has no model.json` });
  const json = JSON.parse(new TextDecoder().decode(jsonFile.bytes)) as ModelJson;
  const byName = new Map(source.files.map((f) => [basename(f.path), f.bytes]));
  const shards = json.weightsManifest
    .flatMap((g) => g.paths)
    .map((p) => {
      const bytes = byName.get(basename(p));
      if (!bytes) throw new SplitflowError('MODEL_LOAD_FAILED', { message: `tfjs model "${source.model}" lacks weight shard ${p}` });
      return bytes;
    });
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.byteLength;
  }
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    signature: json.signature as tf.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
}

async function useBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  // tfjs keeps one active backend per realm; switching moves tensors lazily.
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" is unavailable here`);
  await tf.ready();
}

/** The two kinds of tfjs model behind one call: graph models execute by node, layers models predict. */
interface Loaded {
  outputNames: string[];
  execute(feed: tf.NamedTensorMap): Promise<tf.Tensor[]>;
  dispose(): void;
}

async function loadModel(parts: tf.io.ModelArtifacts): Promise<Loaded> {
  // Keras-converted models (nsfwjs' MobileNetV2) are layers models; TF SavedModel conversions are graphs.
  if (parts.format === 'layers-model') {
    const model = await tf.loadLayersModel(tf.io.fromMemory(parts));
    const names = model.inputNames;
    return {
      outputNames: model.outputNames,
      async execute(feed) {
        const ordered = names.map((n, i) => feed[n] ?? (Object.values(feed)[i] as tf.Tensor));
        const out = model.predict(ordered.length === 1 ? (ordered[0] as tf.Tensor) : ordered);
        return Array.isArray(out) ? out : [out];
      },
      dispose: () => model.dispose(),
    };
  }
  const model = await tf.loadGraphModel(tf.io.fromMemory(parts));
  const nodes = model.outputNodes;
  return {
    outputNames: nodes,
    async execute(feed) {
      const out = await model.executeAsync(feed, nodes);
      return Array.isArray(out) ? out : [out];
    },
    dispose: () => model.dispose(),
  };
}

export function createTfjsAdapter(): RuntimeAdapter {
  return {
    name: 'tfjs',
    async createSession(source: ModelSource, backend: LocalBackend): Promise<RuntimeSession> {
      if (!backend.startsWith('tfjs-')) throw new Error(`tfjs has no backend "${backend}"`);
      const name = backend.slice('tfjs-'.length);
      await useBackend(name);
      const model = await loadModel(artifacts(source));
      return {
        backend,
        async run(inputs) {
          await useBackend(name);
          const feed: tf.NamedTensorMap = {};
          for (const t of inputs) {
            const dtype = TO_TF[t.datatype];
            if (!dtype) throw new SplitflowError('INVALID_TENSOR', { message: `tfjs cannot take ${t.datatype} input "${t.name}"` });
            feed[t.name] = tf.tensor(t.data as Float32Array, t.shape, dtype);
          }
          let list: tf.Tensor[] = [];
          try {
            list = await model.execute(feed);
            const out: NamedTensor[] = [];
            for (const [i, tensor] of list.entries()) {
              const datatype = FROM_TF[tensor.dtype];
              if (!datatype) throw new SplitflowError('INFERENCE_FAILED', { message: `tfjs output has dtype ${tensor.dtype}` });
              const data = await tensor.data();
              out.push({
                name: source.outputs[i] ?? (model.outputNames[i] as string),
                datatype,
                shape: [...tensor.shape],
                data: data as Float32Array,
              } as NamedTensor);
            }
            return out;
          } finally {
            for (const t of [...Object.values(feed), ...list]) t.dispose();
          }
        },
        async dispose() {
          model.dispose();
        },
      };
    },
  };
}
