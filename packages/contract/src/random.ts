/**
 * mulberry32: a seeded PRNG yielding uniform floats in [0, 1). 32-bit integer arithmetic only
 * (Math.imul, shifts), so every JavaScript engine gives the same sequence: the catalog's generated
 * weights (and their SHA-256), benchmark inputs and the field app's sample inputs are reproducible.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
