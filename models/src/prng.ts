// Seeded PRNG for model weights: the same seed gives the same floats on every machine, so a model's
// bytes (and its SHA-256 in the catalog) are reproducible. mulberry32 is 32-bit integer arithmetic
// only (Math.imul, shifts), which JavaScript evaluates identically everywhere.

import { mulberry32 } from '@splitflow/contract';

export { mulberry32 };

/** FNV-1a hash of a string, used to derive one seed per tensor from the model seed and tensor name. */
export function seedFrom(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** `count` floats uniform in [-scale, scale), from `seed`. */
export function uniformFloats(count: number, seed: number, scale: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}
