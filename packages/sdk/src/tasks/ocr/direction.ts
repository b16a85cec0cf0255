import { SplitflowError, type Tensor } from '@splitflow/contract/core';
import { checkImage, type RgbaImage, resizeImage, writeNchw } from '../image/rgba-image.js';
import { CLS_HEIGHT, CLS_WIDTH, LINE_NORMALISATION } from './ocr-constants.js';

/**
 * PP-OCR direction input: each line resized to 48 pixels high keeping its aspect (at most 192 wide),
 * normalised, left-aligned in a 48x192 slot padded with zeros. One [n, 3, 48, 192] batch.
 */
export function prepareDirection(lines: readonly RgbaImage[]): Tensor {
  if (lines.length === 0) throw new SplitflowError('INVALID_REQUEST', { message: 'no text lines to orient' });
  const data = new Float32Array(lines.length * 3 * CLS_HEIGHT * CLS_WIDTH);
  lines.forEach((line, i) => {
    checkImage(line, `line ${i}`);
    const width = Math.min(CLS_WIDTH, Math.max(1, Math.ceil((CLS_HEIGHT * line.width) / line.height)));
    writeNchw(data, i, resizeImage(line, width, CLS_HEIGHT), { width: CLS_WIDTH, height: CLS_HEIGHT }, LINE_NORMALISATION);
  });
  return { datatype: 'FP32', shape: [lines.length, 3, CLS_HEIGHT, CLS_WIDTH], data };
}

export interface Direction {
  angle: 0 | 180;
  score: number;
  /** True when the line should be turned before recognition (180 with a score over the threshold). */
  rotate: boolean;
}

/** Reads the classifier's [n, 2] probabilities (labels 0 and 180); PaddleOCR turns a line only above `cls_thresh` 0.9. */
export function readDirections(probs: Tensor, threshold = 0.9): Direction[] {
  if (probs.datatype !== 'FP32' || probs.shape.length !== 2 || probs.shape[1] !== 2) {
    throw new SplitflowError('INVALID_TENSOR', { message: `direction probabilities are FP32 [n, 2], got ${probs.datatype} [${probs.shape.join(', ')}]` });
  }
  const p = probs.data as Float32Array;
  return Array.from({ length: probs.shape[0] as number }, (_, i) => {
    const up = p[i * 2] as number;
    const down = p[i * 2 + 1] as number;
    const angle = down > up ? 180 : 0;
    const score = Math.max(up, down);
    return { angle, score, rotate: angle === 180 && score > threshold };
  });
}
