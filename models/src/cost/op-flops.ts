// FLOPs of one node from its concrete input and output shapes, with no attributes needed, so the
// same rule applies to our own shape inference and to onnxruntime's profile. Conventions:
// a multiply-add is 2 FLOPs; ops that compute count one FLOP per output element; reductions and
// pools one per input element; data movement (reshape, gather, slice, ...) counts zero.
import { elements } from '../onnx/graph.js';
import type { NodeRecord } from './node-record.js';

const DATA_MOVEMENT = new Set([
  'Cast',
  'Concat',
  'Constant',
  'ConstantOfShape',
  'Expand',
  'Flatten',
  'Gather',
  'GatherElements',
  'Identity',
  'If',
  'Loop',
  'Pad',
  'Range',
  'Reshape',
  'Shape',
  'Size',
  'Slice',
  'Split',
  'Squeeze',
  'Tile',
  'Transpose',
  'Unsqueeze',
]);
const REDUCTIONS = /^(Reduce\w+|GlobalAveragePool|GlobalMaxPool|AveragePool|MaxPool|ArgMax|ArgMin)$/;

const dim = (shape: number[] | undefined, axis: number): number => {
  if (!shape || shape.length === 0) return 1;
  return shape.at(axis) ?? 1;
};

export function nodeFlops(node: Pick<NodeRecord, 'opType' | 'inputShapes' | 'outputShapes'>): number {
  const [a, w] = node.inputShapes;
  const out = node.outputShapes[0] ?? [];
  switch (node.opType) {
    case 'Conv':
    case 'FusedConv':
      // W is [Cout, Cin/group, k...]: each output element sums Cin/group·Πk products.
      return 2 * elements(out) * elements((w ?? []).slice(1));
    case 'ConvTranspose':
      // W is [Cin, Cout/group, k...]: each input element scatters into Cout/group·Πk outputs.
      return 2 * elements(a ?? []) * elements((w ?? []).slice(1));
    case 'MatMul':
    case 'FusedMatMul':
      return 2 * elements(out) * dim(a, -1);
    case 'LSTM':
    case 'GRU': {
      // X is [seq, batch, in]; W [dirs, gates·H, in] and R [dirs, gates·H, H]: every step multiplies
      // the input and the hidden state by all gate weights.
      const [, r] = node.inputShapes.slice(1);
      return 2 * dim(a, 0) * dim(a, 1) * (elements(w ?? []) + elements(r ?? []));
    }
    case 'Gemm': {
      // A is [M,K] or [K,M]; either way |A| / M = K.
      const m = dim(out, 0);
      return 2 * elements(out) * (elements(a ?? []) / m);
    }
  }
  if (DATA_MOVEMENT.has(node.opType)) return 0;
  if (REDUCTIONS.test(node.opType)) return elements(a ?? []);
  return node.outputShapes.reduce((sum, s) => sum + elements(s), 0);
}
