// Shape inference and node records for a tfjs layers model (Keras config, NHWC), for the layer
// types MobileNetV2 uses. Records feed the same FLOP rules as ONNX graphs, so convolutions count
// 2·out·(Cin/group·k·k) whichever format a model ships in.
import type { NodeRecord } from './node-record.js';

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, unknown][][];
}

const pair = (v: unknown, fallback: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v ?? fallback), Number(v ?? fallback)];
const elements = (s: number[]) => s.reduce((a, b) => a * b, 1);

function spatial(size: number, kernel: number, stride: number, padding: unknown): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

/** One record per layer that computes (Input, Dropout and Flatten are free), at `inputShape` (NHWC). */
export function kerasRecords(layers: readonly KerasLayer[], inputShape: number[]): NodeRecord[] {
  const shapes = new Map<string, number[]>();
  const records: NodeRecord[] = [];
  for (const layer of layers) {
    const inbound = (layer.inbound_nodes[0] ?? []).map(([name]) => {
      const s = shapes.get(name);
      if (!s) throw new Error(`layer ${layer.name}: input ${name} has no shape yet`);
      return s;
    });
    const [x = inputShape] = inbound;
    const [b = 1, h = 1, w = 1, c = 1] = x;
    const cfg = layer.config;
    let out: number[];
    let opType: string;
    let weight: number[] = [];
    switch (layer.class_name) {
      case 'InputLayer':
        shapes.set(layer.name, inputShape);
        continue;
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = cfg.padding as [[number, number], [number, number]];
        out = [b, h + top + bottom, w + left + right, c];
        opType = 'Pad';
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const [kh, kw] = pair(cfg.kernel_size, 1);
        const [sh, sw] = pair(cfg.strides, 1);
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const channels = depthwise ? c * Number(cfg.depth_multiplier ?? 1) : Number(cfg.filters);
        out = [b, spatial(h, kh, sh, cfg.padding), spatial(w, kw, sw, cfg.padding), channels];
        opType = 'Conv';
        // As an ONNX weight [Cout, Cin/group, kh, kw]: depthwise convolutions have one input channel per group.
        weight = [channels, depthwise ? 1 : c, kh, kw];
        break;
      }
      case 'AveragePooling2D':
      case 'MaxPooling2D': {
        const [kh, kw] = pair(cfg.pool_size, 2);
        const [sh, sw] = pair(cfg.strides ?? cfg.pool_size, 2);
        out = [b, spatial(h, kh, sh, cfg.padding), spatial(w, kw, sw, cfg.padding), c];
        opType = layer.class_name === 'AveragePooling2D' ? 'AveragePool' : 'MaxPool';
        break;
      }
      case 'Flatten':
        out = [b, elements(x.slice(1))];
        opType = 'Flatten';
        break;
      case 'Dropout':
        out = x;
        opType = 'Identity';
        break;
      case 'Dense':
        out = [b, Number(cfg.units)];
        opType = 'Gemm';
        weight = [x.at(-1) ?? 1, Number(cfg.units)];
        break;
      case 'BatchNormalization':
      case 'ReLU':
      case 'Activation':
        out = x;
        opType = layer.class_name;
        break;
      case 'Add':
        out = x;
        opType = 'Add';
        break;
      default:
        throw new Error(`layer ${layer.name}: no shape rule for ${layer.class_name}`);
    }
    shapes.set(layer.name, out);
    const bytes = (inbound.reduce((s, i) => s + elements(i), 0) + elements(out)) * 4;
    records.push({ name: layer.name, opType, inputShapes: weight.length ? [x, weight] : inbound, outputShapes: [out], activationBytes: bytes });
    const activation = cfg.activation;
    if (typeof activation === 'string' && activation !== 'linear') {
      records.push({ name: `${layer.name}/${activation}`, opType: activation, inputShapes: [out], outputShapes: [out], activationBytes: elements(out) * 8 });
    }
  }
  return records;
}
