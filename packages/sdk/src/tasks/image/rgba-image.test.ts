import { isSplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { checkImage, cropImage, type RgbaImage, resizeImage, rotate180, writeNchw } from './rgba-image.js';

const image = (width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbaImage => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], (y * width + x) * 4);
  return { width, height, data };
};
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isSplitflowError(e) ? e.code : 'untyped';
  }
  return 'none';
};

describe('RGBA image helpers', () => {
  it('resizes a flat colour to the same colour and keeps a horizontal ramp monotone', () => {
    const flat = resizeImage(
      image(7, 5, () => [10, 200, 90]),
      16,
      3,
    );
    expect(flat.data.length).toBe(16 * 3 * 4);
    for (let i = 0; i < 16 * 3; i++) expect([...flat.data.subarray(i * 4, i * 4 + 4)]).toEqual([10, 200, 90, 255]);
    const ramp = resizeImage(
      image(64, 2, (x) => [x * 4, 0, 0]),
      16,
      1,
    );
    const reds = Array.from({ length: 16 }, (_, x) => ramp.data[x * 4] as number);
    for (let x = 1; x < 16; x++) expect(reds[x]).toBeGreaterThan(reds[x - 1] as number);
    // A 2x downscale with aligned centres averages each pair of source pixels.
    const half = resizeImage(
      image(4, 1, (x) => [x * 10, 0, 0]),
      2,
      1,
    );
    expect([half.data[0], half.data[4]]).toEqual([5, 25]);
  });

  it('crops exact pixels, clamps a box partly outside, refuses one fully outside', () => {
    const src = image(6, 4, (x, y) => [x, y, 0]);
    const crop = cropImage(src, { x: 2, y: 1, width: 3, height: 2 });
    expect([crop.width, crop.height]).toEqual([3, 2]);
    expect([crop.data[0], crop.data[1]]).toEqual([2, 1]);
    expect([crop.data[(1 * 3 + 2) * 4], crop.data[(1 * 3 + 2) * 4 + 1]]).toEqual([4, 2]);
    expect(cropImage(src, { x: 4, y: -3, width: 10, height: 5 })).toMatchObject({ width: 2, height: 2 });
    expect(code(() => cropImage(src, { x: 7, y: 0, width: 2, height: 2 }))).toBe('INVALID_REQUEST');
  });

  it('turns an image upside down, and twice is the identity', () => {
    const src = image(3, 2, (x, y) => [x, y, 7]);
    const once = rotate180(src);
    expect([once.data[0], once.data[1]]).toEqual([2, 1]);
    expect(rotate180(once).data).toEqual(new Uint8ClampedArray(src.data));
  });

  it('writes normalised planes in the model channel order', () => {
    const src = image(2, 1, () => [255, 0, 51]);
    const out = new Float32Array(2 * 3 * 2 * 1).fill(-9);
    writeNchw(out, 1, src, { width: 2, height: 1 }, { order: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect([...out.subarray(0, 6)]).toEqual([-9, -9, -9, -9, -9, -9]);
    // Plane 0 is blue (51 / 255 = 0.2 -> -0.6), plane 2 is red (1 -> 1).
    expect(out[6]).toBeCloseTo(-0.6, 5);
    expect(out[8]).toBeCloseTo(-1, 5);
    expect(out[10]).toBeCloseTo(1, 5);
  });

  it('refuses images whose bytes do not match their size', () => {
    expect(code(() => checkImage({ width: 2, height: 2, data: new Uint8ClampedArray(15) }))).toBe('INVALID_REQUEST');
    expect(code(() => checkImage({ width: 0, height: 2, data: new Uint8ClampedArray(0) }))).toBe('INVALID_REQUEST');
    expect(code(() => checkImage({ width: 1, height: 1, data: [1, 2, 3, 4] as unknown as Uint8Array }))).toBe('INVALID_REQUEST');
    expect(
      code(() =>
        resizeImage(
          image(2, 2, () => [0, 0, 0]),
          0,
          3,
        ),
      ),
    ).toBe('INVALID_REQUEST');
  });
});
