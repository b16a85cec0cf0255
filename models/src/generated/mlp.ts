// The MLPs: `tiny` (a feature classifier small enough for any device) and `large` (a deep, wide
// network that only a GPU serves well). Same shape of graph, different widths.
import { createGraphBuilder } from '../onnx/builder.js';
import type { GraphSpec } from '../onnx/graph.js';
import { dense, denseInOut, denseMatMul } from './layers.js';

export interface MlpShape {
  name: string;
  seed: string;
  inputs: number;
  hidden: number[];
  outputs: number;
  /**
   * How weights are stored: `[out, in]` (Gemm transB=1, the default) or `[in, out]` (Gemm transB=0).
   * onnxruntime's webgpu Gemm reads the second far faster: `large` at batch 256 took 3.96 ms
   * instead of 10.26 on an H200 (apps/bench/results/gpu-h200-2026-11-30).
   */
  weights?: 'out-in' | 'in-out';
  /**
   * Operators of a layer: Gemm (the default), or MatMul + Add with weights `[in, out]`. onnxruntime's
   * graph optimisations fuse the second back into Gemm; with them off (`--model-session
   * ID:optimization=disabled`) its webgpu MatMul runs `large` at batch 1 in 1.361 ms instead of
   * Gemm's 1.965 on an H200, the same at batch 256 (apps/bench/results/gpu-h200-2026-11-30-c).
   */
  ops?: 'gemm' | 'matmul';
}

export const TINY_MLP: MlpShape = { name: 'tiny', seed: 'splitflow/tiny/v1', inputs: 64, hidden: [128, 128], outputs: 16 };
/** 1024 → 4096 ×5 → 64: six MatMul + Add layers, about 143 MFLOP per row (the design's "large"). */
export const LARGE_MLP: MlpShape = {
  name: 'large',
  seed: 'splitflow/large/v2',
  inputs: 1024,
  hidden: [4096, 4096, 4096, 4096, 4096],
  outputs: 64,
  weights: 'in-out',
  ops: 'matmul',
};

export function mlpGraph(shape: MlpShape): GraphSpec {
  const g = createGraphBuilder({ name: shape.name, seed: shape.seed, docString: `MLP ${[shape.inputs, ...shape.hidden, shape.outputs].join('-')}` });
  let x = g.input('features', 'FP32', ['batch', shape.inputs]);
  let width = shape.inputs;
  if (shape.ops === 'matmul' && shape.weights !== 'in-out') throw new Error(`MLP ${shape.name}: MatMul layers store their weights [in, out]`);
  const layer = shape.ops === 'matmul' ? denseMatMul : shape.weights === 'in-out' ? denseInOut : dense;
  shape.hidden.forEach((h, i) => {
    x = layer(g, x, width, h, `fc${i + 1}`, true);
    width = h;
  });
  layer(g, x, width, shape.outputs, `fc${shape.hidden.length + 1}`, false, 'logits');
  g.output('logits', 'FP32', ['batch', shape.outputs]);
  return g.build();
}
