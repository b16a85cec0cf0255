// Layer helpers shared by the generated models. Initial scales keep activations near unit size
// through many layers (He for ReLU layers, Glorot otherwise), so outputs neither vanish nor overflow
// and the node-vs-web comparison at 1e-4 is meaningful.
import type { GraphBuilder } from '../onnx/builder.js';
import { float, int, ints } from '../onnx/graph.js';

const he = (fanIn: number) => Math.sqrt(6 / fanIn);
const glorot = (fanIn: number, fanOut: number) => Math.sqrt(6 / (fanIn + fanOut));
const BIAS_SCALE = 0.05;

/** Gemm (y = x Wᵀ + b) on [batch, in]. */
export function dense(g: GraphBuilder, x: string, inDim: number, outDim: number, name: string, relu: boolean, out?: string): string {
  return g.scope(name, () => {
    const w = g.weight('weight', [outDim, inDim], relu ? he(inDim) : glorot(inDim, outDim));
    const b = g.weight('bias', [outDim], BIAS_SCALE);
    const y = g.node('Gemm', [x, w, b], { transB: int(1) }, relu ? undefined : out);
    return relu ? g.node('Relu', [y], {}, out) : y;
  });
}

/** The same layer with the weight stored [in, out] (Gemm transB=0). */
export function denseInOut(g: GraphBuilder, x: string, inDim: number, outDim: number, name: string, relu: boolean, out?: string): string {
  return g.scope(name, () => {
    const w = g.weight('weight', [inDim, outDim], relu ? he(inDim) : glorot(inDim, outDim));
    const b = g.weight('bias', [outDim], BIAS_SCALE);
    const y = g.node('Gemm', [x, w, b], { transB: int(0) }, relu ? undefined : out);
    return relu ? g.node('Relu', [y], {}, out) : y;
  });
}

/**
 * The same layer as MatMul + Add (weight [in, out], the same seeded values as `denseInOut`):
 * onnxruntime's optimisations fuse it back into Gemm, and with them off its webgpu MatMul kernel reads
 * the weights faster than its Gemm at small batches.
 */
export function denseMatMul(g: GraphBuilder, x: string, inDim: number, outDim: number, name: string, relu: boolean, out?: string): string {
  return g.scope(name, () => {
    const w = g.weight('weight', [inDim, outDim], relu ? he(inDim) : glorot(inDim, outDim));
    const b = g.weight('bias', [outDim], BIAS_SCALE);
    const y = g.node('Add', [g.node('MatMul', [x, w]), b], {}, relu ? undefined : out);
    return relu ? g.node('Relu', [y], {}, out) : y;
  });
}

export interface ConvOptions {
  kernel: number;
  stride?: number;
  group?: number;
  /** `relu`, `relu6` (Clip 0..6) or none. */
  act?: 'relu' | 'relu6';
  out?: string;
}

/** NCHW Conv with "same" padding for odd kernels, bias, optional activation. */
export function conv(g: GraphBuilder, x: string, cin: number, cout: number, name: string, o: ConvOptions): string {
  const group = o.group ?? 1;
  const pad = (o.kernel - 1) / 2;
  return g.scope(name, () => {
    const w = g.weight('weight', [cout, cin / group, o.kernel, o.kernel], he((cin / group) * o.kernel * o.kernel));
    const b = g.weight('bias', [cout], BIAS_SCALE);
    const attrs = {
      kernel_shape: ints([o.kernel, o.kernel]),
      strides: ints([o.stride ?? 1, o.stride ?? 1]),
      pads: ints([pad, pad, pad, pad]),
      group: int(group),
    };
    const y = g.node('Conv', [x, w, b], attrs, o.act ? undefined : o.out);
    if (o.act === 'relu') return g.node('Relu', [y], {}, o.out);
    if (o.act === 'relu6') return g.node('Clip', [y, g.constant('min', 'FP32', [], [0]), g.constant('max', 'FP32', [], [6])], {}, o.out);
    return y;
  });
}

/** x·W + b on [..., in] (MatMul + Add), the transformer's projection. */
export function linear(g: GraphBuilder, x: string, inDim: number, outDim: number, name: string, scale = glorot(inDim, outDim)): string {
  return g.scope(name, () => {
    const w = g.weight('weight', [inDim, outDim], scale);
    const b = g.weight('bias', [outDim], BIAS_SCALE);
    return g.node('Add', [g.node('MatMul', [x, w]), b]);
  });
}

export function layerNorm(g: GraphBuilder, x: string, dim: number, name: string): string {
  return g.scope(name, () => {
    const scale = g.weight('scale', [dim], 0, 1);
    const bias = g.weight('bias', [dim], 0, 0);
    return g.node('LayerNormalization', [x, scale, bias], { axis: int(-1), epsilon: float(1e-5) });
  });
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), from Erf (ONNX has no Gelu before opset 20). */
export function gelu(g: GraphBuilder, x: string): string {
  return g.scope('gelu', () => {
    const scaled = g.node('Mul', [x, g.constant('inv_sqrt2', 'FP32', [], [Math.SQRT1_2])]);
    const onePlus = g.node('Add', [g.node('Erf', [scaled]), g.constant('one', 'FP32', [], [1])]);
    return g.node('Mul', [g.node('Mul', [x, onePlus]), g.constant('half', 'FP32', [], [0.5])]);
  });
}
