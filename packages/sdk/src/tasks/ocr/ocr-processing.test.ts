import { isSplitflowError, type Tensor } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../image/rgba-image.js';
import { dbBoxes, prepareDetection } from './detection.js';
import { prepareDirection, readDirections } from './direction.js';
import { ctcGreedyDecode, parseKeys, prepareRecognition } from './recognition.js';

const flat = (width: number, height: number, rgb: [number, number, number] = [255, 255, 255]): RgbaImage => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return { width, height, data };
};
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isSplitflowError(e) ? e.code : 'untyped';
  }
  return 'none';
};

describe('PP-OCR detection input', () => {
  it('rounds both sides to multiples of 32, limits the longer side, normalises BGR with ImageNet mean/std', () => {
    const small = prepareDetection(flat(100, 50, [255, 128, 0]));
    expect(small.tensor.shape).toEqual([1, 3, 64, 96]);
    expect(small.scaleX).toBeCloseTo(0.96);
    const data = small.tensor.data as Float32Array;
    const plane = 64 * 96;
    expect(data[0]).toBeCloseTo((0 - 0.485) / 0.229, 4); // blue first
    expect(data[2 * plane]).toBeCloseTo((1 - 0.406) / 0.225, 4); // red last
    const big = prepareDetection(flat(2000, 1000), { limitSideLen: 960 });
    expect(big.tensor.shape).toEqual([1, 3, 480, 960]);
    expect(prepareDetection(flat(5, 5)).tensor.shape).toEqual([1, 3, 32, 32]);
  });
});

describe('DB post-processing', () => {
  const map = (w: number, h: number, rects: [number, number, number, number, number][]): Tensor => {
    const data = new Float32Array(w * h);
    for (const [x, y, rw, rh, p] of rects) for (let j = y; j < y + rh; j++) for (let i = x; i < x + rw; i++) data[j * w + i] = p;
    return { datatype: 'FP32', shape: [1, 1, h, w], data };
  };

  it('finds one box per region in reading order, grows each by the unclip distance, and maps it back to the image', () => {
    // Two lines, the lower one first in memory order on the right; a faint region under box threshold; a speck.
    const m = map(64, 32, [
      [30, 20, 20, 6, 0.9],
      [4, 4, 40, 6, 0.95],
      [2, 20, 10, 6, 0.45],
      [60, 1, 2, 2, 0.99],
    ]);
    const boxes = dbBoxes(m, { width: 128, height: 64 }, { scaleX: 0.5, scaleY: 0.5 });
    expect(boxes).toHaveLength(2);
    // 40x6 kernel: grow by 40*6*1.5/(2*46) = 3.91 map pixels, then x2 to image pixels.
    const d = (40 * 6 * 1.5) / (2 * 46);
    expect(boxes[0]?.x).toBe(Math.round((4 - d) * 2));
    expect(boxes[0]?.y).toBe(Math.round((4 - d) * 2));
    expect(boxes[0]?.width).toBe(Math.round((44 + d) * 2) - Math.round((4 - d) * 2));
    expect(boxes[0]?.score).toBeCloseTo(0.95, 5);
    expect(boxes[1]?.x).toBeGreaterThan(40);
    expect(boxes[1]?.score).toBeCloseTo(0.9, 5);
  });

  it('refuses a map of the wrong shape', () => {
    expect(
      codeOf(() => dbBoxes({ datatype: 'FP32', shape: [1, 2, 4, 4], data: new Float32Array(32) }, { width: 4, height: 4 }, { scaleX: 1, scaleY: 1 })),
    ).toBe('INVALID_TENSOR');
  });
});

describe('PP-OCR direction and recognition', () => {
  it('fits lines into 48x192 slots and reads directions with the 0.9 threshold', () => {
    const t = prepareDirection([flat(400, 40), flat(40, 40)]);
    expect(t.shape).toEqual([2, 3, 48, 192]);
    const d = t.data as Float32Array;
    // The square line fills 48 of 192 columns; the rest stays padding (0).
    expect(d[3 * 48 * 192 + 47]).toBeCloseTo(1);
    expect(d[3 * 48 * 192 + 48]).toBe(0);
    const dirs = readDirections({ datatype: 'FP32', shape: [3, 2], data: Float32Array.of(0.99, 0.01, 0.05, 0.95, 0.2, 0.8) });
    expect(dirs.map((x) => [x.angle, x.rotate])).toEqual([
      [0, false],
      [180, true],
      [180, false],
    ]);
    expect(codeOf(() => prepareDirection([]))).toBe('INVALID_REQUEST');
  });

  it('sizes the recognition batch to its widest line, at least 320', () => {
    expect(prepareRecognition([flat(100, 48)]).shape).toEqual([1, 3, 48, 320]);
    expect(prepareRecognition([flat(100, 48), flat(500, 24)]).shape).toEqual([2, 3, 48, 1000]);
  });

  it('decodes CTC: best symbol per step, repeats merged, blanks split doubled letters', () => {
    const symbols = parseKeys('a\nb\nl\n');
    expect(symbols).toEqual(['', 'a', 'b', 'l', ' ']);
    // steps: b b blank a l blank l space a -> "ball a"
    const path = [2, 2, 0, 1, 3, 0, 3, 4, 1];
    const probs = new Float32Array(path.length * symbols.length).fill(0.01);
    path.forEach((k, t) => {
      probs[t * symbols.length + k] = 0.9;
    });
    const [line] = ctcGreedyDecode({ datatype: 'FP32', shape: [1, path.length, symbols.length], data: probs }, symbols);
    expect(line?.text).toBe('ball a');
    expect(line?.score).toBeCloseTo(0.9, 5);
    expect(codeOf(() => ctcGreedyDecode({ datatype: 'FP32', shape: [1, 9, 4], data: new Float32Array(36) }, symbols))).toBe('INVALID_TENSOR');
    expect(codeOf(() => parseKeys(''))).toBe('INVALID_REQUEST');
  });
});
