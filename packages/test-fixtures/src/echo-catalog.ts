import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCatalog, ModelManifest } from '@splitflow/contract';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

// Test support only: a model that returns its inputs (ONNX Identity), for checking that tensor bytes
// and values cross the wire unchanged: FP32 bit patterns, INT64 past 2^53, BYTES.

const TENSORS = [
  { name: 'f', datatype: 'FP32', elemType: onnx.TensorProto.DataType.FLOAT },
  { name: 'i', datatype: 'INT64', elemType: onnx.TensorProto.DataType.INT64 },
  { name: 's', datatype: 'BYTES', elemType: onnx.TensorProto.DataType.STRING },
] as const;

const valueInfo = (name: string, elemType: number) => ({ name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'n' }] } } } });

/** `f_out, i_out, s_out = f, i, s`, each of shape [n]. */
export function echoModel(): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'splitflow-worker-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'echo',
      node: TENSORS.map((t) => ({ opType: 'Identity', input: [t.name], output: [`${t.name}_out`] })),
      input: TENSORS.map((t) => valueInfo(t.name, t.elemType)),
      output: TENSORS.map((t) => valueInfo(`${t.name}_out`, t.elemType)),
    },
  }).finish();
}

export function echoManifest(bytes: Uint8Array, version = '1.0.0'): ModelManifest {
  return {
    id: 'echo',
    version,
    task: 'test',
    format: 'onnx',
    files: [{ path: 'echo.onnx', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), role: 'model' }],
    inputs: TENSORS.map((t) => ({ name: t.name, datatype: t.datatype, shape: ['n'] })),
    outputs: TENSORS.map((t) => ({ name: `${t.name}_out`, datatype: t.datatype, shape: ['n'] })),
    dimBounds: { n: { min: 1, max: 4096 } },
    cost: { flops: [{ coefficient: 1, dims: { n: 1 } }], parameterBytes: bytes.length, activationBytes: [] },
  };
}

/** Writes the echo model and a catalog of it alone into a fresh temp dir. */
export async function writeEchoCatalog(): Promise<{ dir: string; catalogPath: string; catalog: ModelCatalog }> {
  const dir = await mkdtemp(join(tmpdir(), 'splitflow-echo-'));
  const bytes = echoModel();
  await writeFile(join(dir, 'echo.onnx'), bytes);
  const catalog: ModelCatalog = {
    catalogVersion: 1,
    thresholds: { maxLocalModelBytes: 1 << 20, minDeviceGflops: 1, latencyBudgetMs: 1000, privacy: 'any', mode: 'auto' },
    models: [echoManifest(bytes)],
  };
  const catalogPath = join(dir, 'catalog.json');
  await writeFile(catalogPath, JSON.stringify(catalog, null, 2));
  return { dir, catalogPath, catalog };
}
