import { describe, expect, it } from 'vitest';
import { dimSize } from './cost-terms.js';

describe('dimSize', () => {
  it('reads bound dims, divided dims from their base, and nothing else (NaN)', () => {
    const dims = { width: 320, batch: 2, width_2: 7 };
    expect(dimSize('width', dims)).toBe(320);
    expect(dimSize('width_8', dims)).toBe(40);
    // Multiplied dims name cut tensors only.
    expect(dimSize('width_x2', dims)).toBeNaN();
    // A bound name wins over the reading of its name.
    expect(dimSize('width_2', dims)).toBe(7);
    expect(dimSize('steps', dims)).toBeNaN();
    expect(dimSize('height_8', dims)).toBeNaN();
    expect(dimSize('seq_len_2', { seq_len: 8 })).toBeNaN();
  });
});
