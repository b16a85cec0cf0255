import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.js';

describe('mulberry32', () => {
  it('keeps the sequence the catalog weights were generated with (their SHA-256 depends on it)', () => {
    const next = mulberry32(1);
    const first = [next(), next(), next()].map((v) => Math.round(v * 4294967296));
    expect(first).toEqual([2693262067, 11749833, 2265367787]);
  });
  it('stays in [0, 1) and differs by seed', () => {
    const a = mulberry32(7);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(7)()).not.toBe(mulberry32(8)());
  });
});
