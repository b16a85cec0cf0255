// text-m: a 4-layer post-LN transformer encoder (BERT-like) on token ids: token + position
// embeddings, multi-head self-attention from MatMul/Softmax, LayerNormalization, GELU from Erf,
// residuals, mean pooling and a classifier head. About 30 MB.
import { createGraphBuilder } from '../onnx/builder.js';
import type { GraphSpec } from '../onnx/graph.js';
import { int, ints } from '../onnx/graph.js';
import { dense, gelu, layerNorm, linear } from './layers.js';

export const TEXT = { vocab: 16384, maxSeq: 512, dim: 256, heads: 4, ffn: 1024, layers: 4, classes: 8 } as const;

export function textGraph(): GraphSpec {
  const { vocab, maxSeq, dim, heads, ffn, layers, classes } = TEXT;
  const headDim = dim / heads;
  const g = createGraphBuilder({ name: 'text-m', seed: 'splitflow/text-m/v1', docString: `transformer encoder d=${dim} h=${heads} L=${layers}` });
  const ids = g.input('input_ids', 'INT64', ['batch', 'seq']);
  const x0 = g.scope('embed', () => {
    const tokens = g.node('Gather', [g.weight('tokens', [vocab, dim], 1), ids]);
    // Positions 0..seq-1: slice the table to the input's length, so seq stays dynamic.
    const seqLen = g.node('Shape', [ids], { start: int(1), end: int(2) });
    const zero = g.constant('start', 'INT64', [1], [0]);
    const axis = g.constant('axis', 'INT64', [1], [0]);
    const positions = g.node('Slice', [g.weight('positions', [maxSeq, dim], 1), zero, seqLen, axis]);
    return layerNorm(g, g.node('Add', [tokens, positions]), dim, 'norm');
  });
  let x = x0;
  for (let l = 0; l < layers; l++) {
    x = g.scope(`layer${l}`, () => {
      const attn = g.scope('attention', () => {
        const split = g.constant('split_heads', 'INT64', [4], [0, 0, heads, headDim]);
        const merge = g.constant('merge_heads', 'INT64', [3], [0, 0, dim]);
        const heads4 = (name: string, perm: number[]) => g.node('Transpose', [g.node('Reshape', [linear(g, x, dim, dim, name), split])], { perm: ints(perm) });
        const q = heads4('query', [0, 2, 1, 3]);
        const kT = heads4('key', [0, 2, 3, 1]);
        const v = heads4('value', [0, 2, 1, 3]);
        const scores = g.node('Mul', [g.node('MatMul', [q, kT]), g.constant('scale', 'FP32', [], [1 / Math.sqrt(headDim)])]);
        const context = g.node('MatMul', [g.node('Softmax', [scores], { axis: int(-1) }), v]);
        const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: ints([0, 2, 1, 3]) }), merge]);
        return linear(g, merged, dim, dim, 'output');
      });
      const h = layerNorm(g, g.node('Add', [x, attn]), dim, 'attention_norm');
      const ff = g.scope('ffn', () => linear(g, gelu(g, linear(g, h, dim, ffn, 'up')), ffn, dim, 'down'));
      return layerNorm(g, g.node('Add', [h, ff]), dim, 'ffn_norm');
    });
  }
  const pooled = g.node('ReduceMean', [x], { axes: ints([1]), keepdims: int(0) });
  dense(g, pooled, dim, classes, 'classifier', false, 'logits');
  g.output('logits', 'FP32', ['batch', classes]);
  return g.build();
}
