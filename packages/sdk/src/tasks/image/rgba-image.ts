import { SplitflowError } from '@splitflow/contract/core';

/** Pixels as a canvas gives them: RGBA, row-major, 8 bits a channel (the shape of `ImageData`). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** An axis-aligned box in pixels of some image: left, top, width, height. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Refuses anything that is not a non-empty RGBA image whose buffer matches its size. */
export function checkImage(image: RgbaImage, what = 'image'): void {
  const ok =
    typeof image === 'object' &&
    image !== null &&
    Number.isInteger(image.width) &&
    Number.isInteger(image.height) &&
    image.width > 0 &&
    image.height > 0 &&
    (image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array);
  if (!ok) throw new SplitflowError('INVALID_REQUEST', { message: `${what} must be { width, height, data } with positive integer sizes and RGBA bytes` });
  if (image.data.length !== image.width * image.height * 4) {
    throw new SplitflowError('INVALID_REQUEST', {
      message: `${what} is ${image.width}x${image.height} but holds ${image.data.length} bytes, not ${image.width * image.height * 4} (RGBA)`,
    });
  }
}

/** Bilinear resize (pixel centres aligned, as OpenCV's INTER_LINEAR does), alpha kept. */
export function resizeImage(image: RgbaImage, width: number, height: number): RgbaImage {
  checkImage(image);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new SplitflowError('INVALID_REQUEST', { message: `resize target must be positive integers, got ${width}x${height}` });
  }
  const src = image.data;
  const out = new Uint8ClampedArray(width * height * 4);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(image.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(image.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(image.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(image.width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * image.width + x0) * 4;
      const b = (y0 * image.width + x1) * 4;
      const c = (y1 * image.width + x0) * 4;
      const d = (y1 * image.width + x1) * 4;
      const o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = (src[a + k] as number) * (1 - wx) + (src[b + k] as number) * wx;
        const bottom = (src[c + k] as number) * (1 - wx) + (src[d + k] as number) * wx;
        out[o + k] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return { width, height, data: out };
}

/** The pixels inside `box`, clamped to the image (a box partly outside is cut, one fully outside refused). */
export function cropImage(image: RgbaImage, box: Box): RgbaImage {
  checkImage(image);
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  if (!(x1 > x0 && y1 > y0))
    throw new SplitflowError('INVALID_REQUEST', { message: `box ${JSON.stringify(box)} lies outside the ${image.width}x${image.height} image` });
  const width = x1 - x0;
  const height = y1 - y0;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * image.width + x0) * 4;
    out.set(image.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { width, height, data: out };
}

/** The image turned upside down (180 degrees). */
export function rotate180(image: RgbaImage): RgbaImage {
  checkImage(image);
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) out.set(image.data.subarray(i * 4, i * 4 + 4), (n - 1 - i) * 4);
  return { width: image.width, height: image.height, data: out };
}

/** Per-channel normalisation `(v / 255 - mean) / std`, in the channel order the model was trained on. */
export interface Normalisation {
  order: 'rgb' | 'bgr';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Writes `image` into an FP32 NCHW buffer at item `index`, normalised, left-aligned in the slot
 * (what the image does not cover keeps its fill).
 */
export function writeNchw(target: Float32Array, index: number, image: RgbaImage, slot: { width: number; height: number }, norm: Normalisation): void {
  const plane = slot.width * slot.height;
  const base = index * 3 * plane;
  const h = Math.min(slot.height, image.height);
  const w = Math.min(slot.width, image.width);
  for (let c = 0; c < 3; c++) {
    const m = norm.mean[c] as number;
    const s = norm.std[c] as number;
    const from = norm.order === 'rgb' ? c : 2 - c;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        target[base + c * plane + y * slot.width + x] = ((image.data[(y * image.width + x) * 4 + from] as number) / 255 - m) / s;
      }
    }
  }
}
