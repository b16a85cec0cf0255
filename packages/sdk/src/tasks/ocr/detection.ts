import { SplitflowError, type Tensor } from '@splitflow/contract/core';
import { type Box, checkImage, type RgbaImage, resizeImage, writeNchw } from '../image/rgba-image.js';
import { DET_NORMALISATION } from './ocr-constants.js';

export interface DetectionInput {
  /** The `x` tensor, [1, 3, height, width], both multiples of 32. */
  tensor: Tensor;
  /** Map pixels per image pixel, to bring boxes back to the image. */
  scaleX: number;
  scaleY: number;
}

export interface DetectionOptions {
  /**
   * The longer side is brought down to this (PaddleOCR `det_limit_side_len`, limit type `max`).
   * @default 960
   */
  limitSideLen?: number;
}

const to32 = (v: number) => Math.max(32, Math.round(v / 32) * 32);

/** PP-OCR detection input: resized so the longer side is at most `limitSideLen`, sides rounded to multiples of 32, normalised. */
export function prepareDetection(image: RgbaImage, options: DetectionOptions = {}): DetectionInput {
  checkImage(image);
  const limit = options.limitSideLen ?? 960;
  const ratio = Math.max(image.width, image.height) > limit ? limit / Math.max(image.width, image.height) : 1;
  const width = to32(image.width * ratio);
  const height = to32(image.height * ratio);
  const resized = resizeImage(image, width, height);
  const data = new Float32Array(3 * width * height);
  writeNchw(data, 0, resized, { width, height }, DET_NORMALISATION);
  return { tensor: { datatype: 'FP32', shape: [1, 3, height, width], data }, scaleX: width / image.width, scaleY: height / image.height };
}

export interface DbOptions {
  /** Probability above which a pixel is text (PaddleOCR `det_db_thresh`). @default 0.3 */
  threshold?: number;
  /** Mean probability a box must reach (`det_db_box_thresh`). @default 0.6 */
  boxThreshold?: number;
  /** How far a shrunk text kernel is grown back (`det_db_unclip_ratio`). @default 1.5 */
  unclipRatio?: number;
  /** Boxes whose shorter side (before growing) is under this are dropped (`min_size`). @default 3 */
  minSize?: number;
  /** @default 1000 */
  maxCandidates?: number;
}

export interface TextBox extends Box {
  /** Mean text probability inside the kernel. */
  score: number;
}

/**
 * DB post-processing: threshold the probability map, take each 8-connected region, score it by its
 * mean probability, grow it by `area * unclipRatio / perimeter` (the DB paper's unclip, for an
 * axis-aligned rectangle) and scale it back to the image. Boxes come out top to bottom, then left to right.
 * Boxes are axis-aligned: tilted text gets the rectangle around it.
 */
export function dbBoxes(map: Tensor, image: { width: number; height: number }, scale: { scaleX: number; scaleY: number }, options: DbOptions = {}): TextBox[] {
  if (map.datatype !== 'FP32' || map.shape.length !== 4 || map.shape[0] !== 1 || map.shape[1] !== 1) {
    throw new SplitflowError('INVALID_TENSOR', {
      message: `a DB probability map is FP32 [1, 1, height, width], got ${map.datatype} [${map.shape.join(', ')}]`,
    });
  }
  const h = map.shape[2] as number;
  const w = map.shape[3] as number;
  const prob = map.data as Float32Array;
  if (prob.length !== w * h) throw new SplitflowError('INVALID_TENSOR', { message: `map data holds ${prob.length} values, not ${w * h}` });
  const threshold = options.threshold ?? 0.3;
  const boxThreshold = options.boxThreshold ?? 0.6;
  const unclipRatio = options.unclipRatio ?? 1.5;
  const minSize = options.minSize ?? 3;
  const maxCandidates = options.maxCandidates ?? 1000;
  const label = new Int32Array(w * h);
  const stack: number[] = [];
  const boxes: TextBox[] = [];
  let regions = 0;
  for (let start = 0; start < w * h && regions < maxCandidates; start++) {
    if (label[start] !== 0 || (prob[start] as number) <= threshold) continue;
    regions++;
    label[start] = regions;
    stack.push(start);
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    let sum = 0;
    let count = 0;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const px = p % w;
      const py = (p - px) / w;
      sum += prob[p] as number;
      count++;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= w) continue;
          const q = ny * w + nx;
          if (label[q] === 0 && (prob[q] as number) > threshold) {
            label[q] = regions;
            stack.push(q);
          }
        }
      }
    }
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    if (Math.min(bw, bh) < minSize) continue;
    const score = sum / count;
    if (score < boxThreshold) continue;
    const grow = (bw * bh * unclipRatio) / (2 * (bw + bh));
    const gx0 = Math.max(0, x0 - grow);
    const gy0 = Math.max(0, y0 - grow);
    const gx1 = Math.min(w, x1 + 1 + grow);
    const gy1 = Math.min(h, y1 + 1 + grow);
    if (Math.min(gx1 - gx0, gy1 - gy0) < minSize + 2) continue;
    const x = Math.max(0, Math.round(gx0 / scale.scaleX));
    const y = Math.max(0, Math.round(gy0 / scale.scaleY));
    boxes.push({
      x,
      y,
      width: Math.min(image.width, Math.round(gx1 / scale.scaleX)) - x,
      height: Math.min(image.height, Math.round(gy1 / scale.scaleY)) - y,
      score,
    });
  }
  // Reading order: rows first (boxes whose tops are within half a line count as one row), then left to right.
  return boxes.sort((a, b) => (Math.abs(a.y - b.y) < Math.min(a.height, b.height) / 2 ? a.x - b.x : a.y - b.y));
}
