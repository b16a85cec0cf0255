import { SplitflowError, type Tensor } from '@splitflow/contract/core';
import { checkImage, type RgbaImage, resizeImage } from '../image/rgba-image.js';

/** NHWC [1, size, size, 3] in 0..1 (pixels / 255), RGB: what nsfwjs feeds its MobileNetV2. */
export function prepareNhwc(image: RgbaImage, size = 224): Tensor {
  checkImage(image);
  const resized = resizeImage(image, size, size);
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) data[i * 3 + c] = (resized.data[i * 4 + c] as number) / 255;
  }
  return { datatype: 'FP32', shape: [1, size, size, 3], data };
}

export interface Label {
  label: string;
  score: number;
}

/** The `k` best classes of the first item, best first. */
export function topK(probs: Tensor, labels: readonly string[], k = 3): Label[] {
  if (probs.datatype !== 'FP32' || probs.shape.length !== 2 || probs.shape[1] !== labels.length) {
    throw new SplitflowError('INVALID_TENSOR', { message: `class scores are FP32 [n, ${labels.length}], got ${probs.datatype} [${probs.shape.join(', ')}]` });
  }
  const row = Array.from((probs.data as Float32Array).subarray(0, labels.length));
  return row
    .map((score, i) => ({ label: labels[i] as string, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, Math.max(0, k));
}
