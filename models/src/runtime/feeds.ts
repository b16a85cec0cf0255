// Seeded input tensors for measuring and comparing models. Runtime-free: the runtimes wrap them.
import type { Datatype } from '@splitflow/contract';
import { elements } from '../onnx/graph.js';
import { mulberry32, seedFrom } from '../prng.js';

export type FeedData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export interface Feed {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: FeedData;
}

/** Uniform floats in [min, max). */
export function floatFeed(name: string, shape: number[], seed: string, min = -1, max = 1): Feed {
  const next = mulberry32(seedFrom(seed));
  const data = new Float32Array(elements(shape));
  for (let i = 0; i < data.length; i++) data[i] = min + next() * (max - min);
  return { name, datatype: 'FP32', shape, data };
}

/** Uniform integers in [0, limit), e.g. token ids. */
export function intFeed(name: string, shape: number[], seed: string, limit: number): Feed {
  const next = mulberry32(seedFrom(seed));
  const data = new BigInt64Array(elements(shape));
  for (let i = 0; i < data.length; i++) data[i] = BigInt(Math.floor(next() * limit));
  return { name, datatype: 'INT64', shape, data };
}

export function int64Feed(name: string, shape: number[], values: number[]): Feed {
  return { name, datatype: 'INT64', shape, data: BigInt64Array.from(values.map(BigInt)) };
}

/**
 * A synthetic page for text detection: white, with lines of dark glyph-sized strokes, normalised as
 * PaddleOCR does (per-channel ImageNet mean and std). Seeded noise alone gives a detector nothing to
 * find (its map stays near 0), so encodings of a detector's cut are measured on this instead.
 */
export function documentFeed(name: string, shape: number[], seed: string): Feed {
  const [batch = 1, channels = 3, height = 32, width = 32] = shape;
  const next = mulberry32(seedFrom(seed));
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const data = new Float32Array(elements(shape));
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    const ink = new Uint8Array(plane);
    for (let top = 4 + Math.floor(next() * 8); top + 12 < height; top += 20 + Math.floor(next() * 12)) {
      const glyph = 8 + Math.floor(next() * 5);
      for (let x = 4 + Math.floor(next() * 16); x + 6 < width * 0.9; x += 7 + Math.floor(next() * 4)) {
        // A glyph: a few strokes inside a 6-wide, `glyph`-high box.
        for (let s = 0; s < 3; s++) {
          const vertical = next() < 0.5;
          const at = Math.floor(next() * (vertical ? 6 : glyph));
          for (let k = 0; k < (vertical ? glyph : 6); k++) {
            const yy = top + (vertical ? k : at);
            const xx = x + (vertical ? at : k);
            if (yy < height && xx < width) ink[yy * width + xx] = 1;
          }
        }
      }
    }
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < plane; i++) {
        const value = ink[i] ? 0.1 : 0.95;
        data[(b * channels + c) * plane + i] = (value - (mean[c] ?? 0.5)) / (std[c] ?? 0.25);
      }
    }
  }
  return { name, datatype: 'FP32', shape, data };
}
