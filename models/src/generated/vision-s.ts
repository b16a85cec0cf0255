// vision-s: a MobileNet-style CNN (conv stem, depthwise-separable blocks, max pool, global average
// pool, Gemm head) on 3x224x224, about 6.7 MB. Its cut points are found from the graph (src/split/).
import { createGraphBuilder } from '../onnx/builder.js';
import type { GraphSpec } from '../onnx/graph.js';
import { int, ints } from '../onnx/graph.js';
import { conv, dense } from './layers.js';

export const VISION_CLASSES = 1000;

/** [input channels, output channels, depthwise stride] of each separable block. */
const BLOCKS: [number, number, number][] = [
  [32, 64, 1],
  [64, 128, 1],
  [128, 128, 1],
  [128, 256, 2],
  [256, 256, 1],
  [256, 512, 2],
  [512, 512, 1],
  [512, 768, 2],
];

export function visionGraph(): GraphSpec {
  const g = createGraphBuilder({ name: 'vision-s', seed: 'splitflow/vision-s/v1', docString: 'MobileNet-style CNN, 224x224 RGB, 1000 classes' });
  let x = g.input('image', 'FP32', ['batch', 3, 224, 224]);
  x = conv(g, x, 3, 32, 'stem', { kernel: 3, stride: 2, act: 'relu' });
  BLOCKS.forEach(([cin, cout, stride], i) => {
    x = g.scope(`block${i + 1}`, () => {
      const dw = conv(g, x, cin, cin, 'dw', { kernel: 3, stride, group: cin, act: 'relu6' });
      return conv(g, dw, cin, cout, 'pw', { kernel: 1, act: 'relu' });
    });
    if (i === 0) x = g.node('MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: int(1) });
  dense(g, pooled, 768, VISION_CLASSES, 'head', false, 'logits');
  g.output('logits', 'FP32', ['batch', VISION_CLASSES]);
  return g.build();
}
