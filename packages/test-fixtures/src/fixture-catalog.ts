import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCatalog, ModelManifest } from '@splitflow/contract';
import onnxProto, { type onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;

// Test support only: small ONNX graphs written with the same onnx-proto
// package the catalog generator uses, so worker tests can run before (and apart from) `npm run models`.

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function valueInfo(name: string, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function initializer(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: values };
}

function encodeModel(graph: Onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'splitflow-worker-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
  }).finish();
}

/** Deterministic pseudo-random weights (a fixed LCG), so outputs are the same on every run. */
function weights(count: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2;
  });
}

/** `y = relu(x W1 + b1) W2 + b2`, x [batch, 4] -> y [batch, 3]: batchable along `batch`. */
export function mlpModel(): Uint8Array {
  return encodeModel({
    name: 'mlp',
    node: [
      { opType: 'MatMul', input: ['x', 'w1'], output: ['h0'] },
      { opType: 'Add', input: ['h0', 'b1'], output: ['h1'] },
      { opType: 'Relu', input: ['h1'], output: ['h2'] },
      { opType: 'MatMul', input: ['h2', 'w2'], output: ['h3'] },
      { opType: 'Add', input: ['h3', 'b2'], output: ['y'] },
    ],
    initializer: [
      initializer('w1', [4, 8], weights(32, 1)),
      initializer('b1', [8], weights(8, 2)),
      initializer('w2', [8, 3], weights(24, 3)),
      initializer('b2', [3], weights(3, 4)),
    ],
    input: [valueInfo('x', ['batch', 4])],
    output: [valueInfo('y', ['batch', 3])],
  });
}

/** `y = 2 x`, x [1, 4]: a model with no batch dim, so it runs one request at a time. */
export function doubleModel(): Uint8Array {
  return encodeModel({
    name: 'double',
    node: [{ opType: 'Mul', input: ['x', 'two'], output: ['y'] }],
    initializer: [initializer('two', [], [2])],
    input: [valueInfo('x', [1, 4])],
    output: [valueInfo('y', [1, 4])],
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function manifest(
  id: string,
  file: string,
  bytes: Uint8Array,
  inputShape: (number | string)[],
  outputShape: (number | string)[],
  batchDim?: string,
): ModelManifest {
  return {
    id,
    version: '1',
    task: 'test',
    format: 'onnx',
    files: [{ path: file, bytes: bytes.length, sha256: sha256(bytes), role: 'model' }],
    inputs: [{ name: 'x', datatype: 'FP32', shape: inputShape }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: outputShape }],
    ...(batchDim ? { batchDim, dimBounds: { [batchDim]: { min: 1, max: 1024 } } } : {}),
    cost: { flops: [{ coefficient: 100, dims: batchDim ? { [batchDim]: 1 } : {} }], parameterBytes: bytes.length, activationBytes: [] },
  };
}

export interface FixtureCatalog {
  dir: string;
  catalogPath: string;
  catalog: ModelCatalog;
}

/** Writes `mlp` (batchable) and `double` (fixed shape) with a catalog.json into a fresh temp dir. */
export async function writeFixtureCatalog(): Promise<FixtureCatalog> {
  const dir = await mkdtemp(join(tmpdir(), 'splitflow-worker-'));
  const mlp = mlpModel();
  const double = doubleModel();
  await writeFile(join(dir, 'mlp.onnx'), mlp);
  await writeFile(join(dir, 'double.onnx'), double);
  const catalog: ModelCatalog = {
    catalogVersion: 1,
    thresholds: { maxLocalModelBytes: 1 << 20, minDeviceGflops: 1, latencyBudgetMs: 1000, privacy: 'any', mode: 'auto' },
    models: [manifest('mlp', 'mlp.onnx', mlp, ['batch', 4], ['batch', 3], 'batch'), manifest('double', 'double.onnx', double, [1, 4], [1, 4])],
  };
  const catalogPath = join(dir, 'catalog.json');
  await writeFile(catalogPath, JSON.stringify(catalog, null, 2));
  return { dir, catalogPath, catalog };
}
