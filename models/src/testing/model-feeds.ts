// Seeded inputs for any manifest at a binding of its symbolic dims, for tests.
import type { DimBinding, ModelManifest } from '@splitflow/contract';
import { type Feed, floatFeed, int64Feed, intFeed } from '../runtime/feeds.js';

export const concreteShape = (shape: readonly (number | string)[], dims: DimBinding): number[] =>
  shape.map((d) => {
    if (typeof d === 'number') return d;
    const v = dims[d];
    if (v === undefined) throw new Error(`no size for dim ${d}`);
    return v;
  });

/** FP32 inputs uniform in [-1, 1); INT64 token ids below 1000; Silero's `sr` set to 16000. */
export function feedsFor(manifest: ModelManifest, dims: DimBinding, seed = 'test'): Feed[] {
  return manifest.inputs.map((input) => {
    const shape = concreteShape(input.shape, dims);
    const key = `${manifest.id}:${input.name}:${seed}`;
    if (input.datatype === 'FP32') return floatFeed(input.name, shape, key);
    if (input.datatype === 'INT64' && input.name === 'sr') return int64Feed(input.name, shape, [16000]);
    if (input.datatype === 'INT64') return intFeed(input.name, shape, key, 1000);
    throw new Error(`${manifest.id}: no test feed for ${input.datatype}`);
  });
}

/** Small sizes that every catalog model accepts (image sides are multiples of 32 for ocr-det). */
export const SMALL_DIMS: DimBinding = { batch: 2, seq: 16, height: 64, width: 96 };
