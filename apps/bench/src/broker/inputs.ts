import { encodeInferRequest, type ModelManifest, type NamedTensor, type TensorData } from '@splitflow/contract';

// Request bodies for any manifest: symbolic dims bound to the batch size (batch dim) or a size within
// their bounds, data drawn from a seeded generator, so every policy and run sees the same requests.

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function dimSize(manifest: ModelManifest, dim: string, batch: number): number {
  if (dim === manifest.batchDim) return batch;
  const bounds = manifest.dimBounds?.[dim];
  if (!bounds) return 1;
  // A middling size: image sides and sequence lengths near the low end of their range.
  return Math.max(bounds.min, Math.min(bounds.max, 2 ** Math.round(Math.log2(Math.max(bounds.min, Math.min(bounds.max, 64))))));
}

export interface BuiltRequest {
  body: string;
  rows: number;
  bytes: number;
}

/** An OIP JSON request for `manifest` with `batch` rows and the given Splitflow parameters. */
export function buildRequest(manifest: ModelManifest, batch: number, random: () => number, parameters: Record<string, unknown> = {}): BuiltRequest {
  const rows = manifest.batchDim ? batch : 1;
  const inputs = manifest.inputs.map((spec) => {
    const shape = spec.shape.map((d) => (typeof d === 'number' ? d : dimSize(manifest, d, rows)));
    const n = shape.reduce((a, b) => a * b, 1);
    let data: (number | boolean | string)[];
    switch (spec.datatype) {
      case 'FP32':
      case 'FP64':
      case 'FP16':
        data = Array.from({ length: n }, () => Math.round((random() * 2 - 1) * 1000) / 1000);
        break;
      case 'BOOL':
        data = Array.from({ length: n }, () => random() < 0.5);
        break;
      case 'BYTES':
        data = Array.from({ length: n }, () => 'splitflow');
        break;
      default:
        // Integer inputs are token ids or pixels: small non-negative values are valid for all of them.
        data = Array.from({ length: n }, () => Math.floor(random() * 100));
    }
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
  const body = JSON.stringify({ inputs, parameters });
  return { body, rows, bytes: Buffer.byteLength(body) };
}

export interface EncodedRequest {
  body: Uint8Array | string;
  headers: Record<string, string>;
  rows: number;
  bytes: number;
}

/** The same request in Triton's binary extension (every tensor binary, outputs asked binary): large images stay cheap to send. */
export function buildBinaryRequest(manifest: ModelManifest, batch: number, random: () => number, parameters: Record<string, unknown> = {}): EncodedRequest {
  const rows = manifest.batchDim ? batch : 1;
  const inputs: NamedTensor[] = manifest.inputs.map((spec) => {
    const shape = spec.shape.map((d) => (typeof d === 'number' ? d : dimSize(manifest, d, rows)));
    const n = shape.reduce((a, b) => a * b, 1);
    let data: TensorData;
    switch (spec.datatype) {
      case 'FP32':
        data = Float32Array.from({ length: n }, () => random() * 2 - 1);
        break;
      case 'INT64':
        data = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(random() * 100)));
        break;
      case 'INT32':
        data = Int32Array.from({ length: n }, () => Math.floor(random() * 100));
        break;
      default:
        throw new Error(`the benchmark makes no ${spec.datatype} inputs (model ${manifest.id})`);
    }
    return { name: spec.name, datatype: spec.datatype, shape, data } as NamedTensor;
  });
  const encoded = encodeInferRequest({ inputs, parameters, binary: true, binaryOutputs: true });
  return {
    body: encoded.body,
    headers: encoded.headers,
    rows,
    bytes: typeof encoded.body === 'string' ? Buffer.byteLength(encoded.body) : encoded.body.byteLength,
  };
}
