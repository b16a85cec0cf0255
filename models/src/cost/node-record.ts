import type { Datatype } from '@splitflow/contract';

/**
 * One executed node with concrete shapes: what both counters produce (our shape inference for the
 * generated graphs, onnxruntime's profiler for real ones), so FLOPs are computed one way for both.
 */
export interface NodeRecord {
  name: string;
  opType: string;
  inputShapes: number[][];
  outputShapes: number[][];
  /** Bytes the node touches that are not weights: its non-initializer inputs plus its outputs. */
  activationBytes: number;
  /** Datatype of each output, in order. */
  outputDatatypes?: Datatype[];
  /** Output tensor names and bytes, where known (our own inference). */
  outputs?: { name: string; bytes: number }[];
}
