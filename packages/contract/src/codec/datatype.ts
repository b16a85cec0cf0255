import type { Datatype } from '../schema/common.js';

/** The typed array that holds each datatype's elements (BYTES holds one Uint8Array per element). */
export interface DataByType {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  /** Raw IEEE 754 half-precision bits, as onnxruntime holds them. */
  FP16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BYTES: Uint8Array[];
}

export type TensorData = DataByType[Datatype];
export type FixedDatatype = Exclude<Datatype, 'BYTES'>;

type TypedArrayCtor = {
  new (length: number): DataByType[FixedDatatype];
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): DataByType[FixedDatatype];
  BYTES_PER_ELEMENT: number;
};

export interface DatatypeInfo {
  /** Bytes per element on the wire; 0 for BYTES (variable). */
  bytes: number;
  /** onnxruntime's tensor type name. */
  ort: string;
  array?: TypedArrayCtor;
}

/** The frozen table every codec reads: size, onnxruntime name and array type of each datatype. */
export const DATATYPE_INFO: Readonly<Record<Datatype, DatatypeInfo>> = Object.freeze({
  BOOL: { bytes: 1, ort: 'bool', array: Uint8Array },
  UINT8: { bytes: 1, ort: 'uint8', array: Uint8Array },
  UINT16: { bytes: 2, ort: 'uint16', array: Uint16Array },
  UINT32: { bytes: 4, ort: 'uint32', array: Uint32Array },
  UINT64: { bytes: 8, ort: 'uint64', array: BigUint64Array },
  INT8: { bytes: 1, ort: 'int8', array: Int8Array },
  INT16: { bytes: 2, ort: 'int16', array: Int16Array },
  INT32: { bytes: 4, ort: 'int32', array: Int32Array },
  INT64: { bytes: 8, ort: 'int64', array: BigInt64Array },
  FP16: { bytes: 2, ort: 'float16', array: Uint16Array },
  FP32: { bytes: 4, ort: 'float32', array: Float32Array },
  FP64: { bytes: 8, ort: 'float64', array: Float64Array },
  BYTES: { bytes: 0, ort: 'string' },
} satisfies Record<Datatype, DatatypeInfo>);

const ORT_TO_DATATYPE: Readonly<Record<string, Datatype>> = Object.freeze(
  Object.fromEntries(Object.entries(DATATYPE_INFO).map(([dt, info]) => [info.ort, dt as Datatype])),
);

export function datatypeFromOrt(ortType: string): Datatype | undefined {
  return ORT_TO_DATATYPE[ortType];
}

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(DATATYPE_INFO, value);
}

/** Number of elements of a shape; 1 for a scalar (empty shape). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// Every supported platform (x86, Arm, wasm) is little-endian; the wire format is too. Refuse to run
// silently wrong on a big-endian host.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('Splitflow codecs need a little-endian platform');
