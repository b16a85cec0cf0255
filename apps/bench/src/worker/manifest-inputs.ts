import { type ModelManifest, mulberry32, type NamedTensor, type TensorSpec } from '@splitflow/contract';

const random = mulberry32;

/**
 * Concrete shape: the batch dim as given, other symbolic dims as `dims` names them, else 16 kept within
 * their bounds.
 */
export function concreteShape(manifest: ModelManifest, spec: TensorSpec, batch: number, dims: Readonly<Record<string, number>> = {}): number[] {
  return spec.shape.map((d) => {
    if (typeof d === 'number') return d;
    if (d === manifest.batchDim) return batch;
    if (dims[d] !== undefined) return dims[d];
    const bound = manifest.dimBounds?.[d];
    return bound ? Math.max(bound.min, Math.min(bound.max, 16)) : 16;
  });
}

/** Seeded inputs of the manifest's datatypes and shapes: floats in [-1, 1), integers in [0, 10). */
export function makeInputs(manifest: ModelManifest, batch: number, seed = 1, dims: Readonly<Record<string, number>> = {}): NamedTensor[] {
  const next = random(seed);
  return manifest.inputs.map((spec) => {
    const shape = concreteShape(manifest, spec, batch, dims);
    const count = shape.reduce((a, b) => a * b, 1);
    switch (spec.datatype) {
      case 'FP32':
        return { name: spec.name, datatype: 'FP32', shape, data: Float32Array.from({ length: count }, () => next() * 2 - 1) };
      case 'INT64':
        return { name: spec.name, datatype: 'INT64', shape, data: BigInt64Array.from({ length: count }, () => BigInt(Math.floor(next() * 10))) };
      case 'INT32':
        return { name: spec.name, datatype: 'INT32', shape, data: Int32Array.from({ length: count }, () => Math.floor(next() * 10)) };
      case 'UINT8':
        return { name: spec.name, datatype: 'UINT8', shape, data: Uint8Array.from({ length: count }, () => Math.floor(next() * 256)) };
      default:
        throw new Error(`makeInputs: input "${spec.name}" of ${manifest.id} is ${spec.datatype}, which the benchmark does not generate`);
    }
  });
}
