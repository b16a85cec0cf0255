// A small in-memory description of an ONNX graph: what the generators build, what the writer
// serialises and what the shape inference walks. Weights stay lazy (`data()`), so a 300 MB model
// is produced one tensor at a time.
import type { Datatype } from '@splitflow/contract';

export type Dim = number | string;

export interface ValueSpec {
  name: string;
  datatype: Datatype;
  shape: Dim[];
}

export type AttrValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string };

export interface GraphNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Initializer {
  name: string;
  datatype: Datatype;
  dims: number[];
  /** Little-endian bytes of the tensor, generated on demand. */
  data(): Uint8Array;
  /** Values of small integer tensors (shapes, axes), which shape inference needs. */
  ints?: number[];
}

export interface GraphSpec {
  name: string;
  docString?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers: Initializer[];
  nodes: GraphNode[];
  /** Default-domain opset. */
  opset: number;
}

export const int = (value: number): AttrValue => ({ type: 'int', value });
export const float = (value: number): AttrValue => ({ type: 'float', value });
export const ints = (value: number[]): AttrValue => ({ type: 'ints', value });

export const DTYPE_BYTES: Partial<Record<Datatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

export const elements = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
