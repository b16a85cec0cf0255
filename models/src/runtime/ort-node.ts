// The one file in models/ that imports onnxruntime-node: runs a model once and, when asked, returns
// the profiler's per-node records (op type, input and output shapes, bytes) for counting FLOPs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Datatype, type NamedTensor, toOrtTensor } from '@splitflow/contract';
import type ort from 'onnxruntime-node';
import type { NodeRecord } from '../cost/node-record.js';
import type { Feed } from './feeds.js';

// Loaded on first use, so the generators (and a bundle of them for `large`) run where only node is
// installed; the catalog's real models need the runtime, the generated ones do not.
let runtime: Promise<typeof ort> | undefined;
const loadOrt = (): Promise<typeof ort> => {
  runtime ??= import('onnxruntime-node').then((m) => (m as { default?: typeof ort }).default ?? (m as unknown as typeof ort));
  return runtime;
};

export type Outputs = Record<string, { dims: number[]; data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array }>;

/** Feeds as onnxruntime tensors, through the contract's mapping (a feed is a named tensor). */
function toOrt(Tensor: typeof ort.Tensor, feeds: Feed[]): Record<string, ort.Tensor> {
  return Object.fromEntries(feeds.map((f) => [f.name, toOrtTensor(Tensor, f as NamedTensor)]));
}

function fromOrt(result: ort.InferenceSession.OnnxValueMapType): Outputs {
  return Object.fromEntries(Object.entries(result).map(([name, t]) => [name, { dims: [...t.dims], data: t.data as Outputs[string]['data'] }]));
}

export interface NodeSession {
  /** Runs once; `fetches` limits the outputs computed (all when absent). */
  run(feeds: Feed[], fetches?: string[]): Promise<Outputs>;
  release(): Promise<void>;
}

/** A session kept open for several runs; `optimize: false` runs the graph's own nodes, unfused. */
export async function openNode(model: string | Uint8Array, options: { optimize?: boolean } = {}): Promise<NodeSession> {
  const runtime = await loadOrt();
  const opts: ort.InferenceSession.SessionOptions = options.optimize === false ? { graphOptimizationLevel: 'disabled' } : {};
  const session = typeof model === 'string' ? await runtime.InferenceSession.create(model, opts) : await runtime.InferenceSession.create(model, opts);
  return {
    run: async (feeds, fetches) =>
      fromOrt(fetches ? await session.run(toOrt(runtime.Tensor, feeds), fetches) : await session.run(toOrt(runtime.Tensor, feeds))),
    release: () => session.release(),
  };
}

export async function runNode(model: string | Uint8Array, feeds: Feed[]): Promise<Outputs> {
  const runtime = await loadOrt();
  const session = typeof model === 'string' ? await runtime.InferenceSession.create(model) : await runtime.InferenceSession.create(model);
  try {
    return fromOrt(await session.run(toOrt(runtime.Tensor, feeds)));
  } finally {
    await session.release();
  }
}

interface ProfileEvent {
  cat: string;
  name: string;
  args?: {
    op_name?: string;
    input_type_shape?: Record<string, number[]>[];
    output_type_shape?: Record<string, number[]>[];
    activation_size?: string;
    output_size?: string;
  };
}

const shapesOf = (list: Record<string, number[]>[] = []) => list.map((entry) => Object.values(entry)[0] ?? []);

// onnxruntime's profiler names element types as C++ does.
const PROFILE_TYPES: Record<string, Datatype> = {
  float: 'FP32',
  double: 'FP64',
  MLFloat16: 'FP16',
  float16: 'FP16',
  int64_t: 'INT64',
  int64: 'INT64',
  int32: 'INT32',
  uint8: 'UINT8',
  int8: 'INT8',
  int32_t: 'INT32',
  int16_t: 'INT16',
  int8_t: 'INT8',
  uint8_t: 'UINT8',
  bool: 'BOOL',
};
const datatypesOf = (list: Record<string, number[]>[] = []): Datatype[] =>
  list.map((entry) => {
    const key = Object.keys(entry)[0] ?? '';
    const datatype = PROFILE_TYPES[key];
    if (!datatype) throw new Error(`profile: unknown element type ${key}`);
    return datatype;
  });

/**
 * Runs the model once with graph optimisations off (so nodes are the model's own, not fused ones)
 * and profiling on, and returns one record per executed node, in execution order.
 */
export async function profileNode(model: string | Uint8Array, feeds: Feed[]): Promise<{ outputs: Outputs; records: NodeRecord[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-profile-'));
  try {
    const options: ort.InferenceSession.SessionOptions = { enableProfiling: true, profileFilePrefix: join(dir, 'profile'), graphOptimizationLevel: 'disabled' };
    const runtime = await loadOrt();
    const session = typeof model === 'string' ? await runtime.InferenceSession.create(model, options) : await runtime.InferenceSession.create(model, options);
    let outputs: Outputs;
    try {
      outputs = fromOrt(await session.run(toOrt(runtime.Tensor, feeds)));
      session.endProfiling();
    } finally {
      await session.release();
    }
    const file = readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    const records = events
      .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name)
      .map((e) => {
        const args = e.args ?? {};
        return {
          name: e.name.slice(0, -'_kernel_time'.length),
          opType: args.op_name ?? '',
          inputShapes: shapesOf(args.input_type_shape),
          outputShapes: shapesOf(args.output_type_shape),
          outputDatatypes: datatypesOf(args.output_type_shape),
          activationBytes: Number(args.activation_size ?? 0) + Number(args.output_size ?? 0),
        };
      });
    return { outputs, records };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
