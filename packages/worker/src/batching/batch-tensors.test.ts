import { bytesFromStrings, type NamedTensor, stringsFromBytes } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { concatAlong, splitAlong } from './batch-tensors.js';

const f32 = (shape: number[], start: number): NamedTensor => ({
  name: 't',
  datatype: 'FP32',
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i),
});

describe('concatAlong / splitAlong', () => {
  it('stack rows along axis 0 and split them back unchanged', () => {
    const a = f32([1, 3], 0);
    const b = f32([2, 3], 100);
    const merged = concatAlong([a, b], 0);
    expect(merged.shape).toEqual([3, 3]);
    expect(Array.from(merged.data as Float32Array)).toEqual([0, 1, 2, 100, 101, 102, 103, 104, 105]);
    const [a2, b2] = splitAlong(merged, 0, [1, 2]);
    expect(a2).toEqual(a);
    expect(b2).toEqual(b);
  });

  it('interleave blocks when the batch dim is not the first axis', () => {
    // [2, rows, 2]: the batch sits in the middle, as in a [seq, batch, hidden] layout.
    const a = f32([2, 1, 2], 0);
    const b = f32([2, 2, 2], 10);
    const merged = concatAlong([a, b], 1);
    expect(merged.shape).toEqual([2, 3, 2]);
    expect(Array.from(merged.data as Float32Array)).toEqual([0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17]);
    const [a2, b2] = splitAlong(merged, 1, [1, 2]);
    expect(a2).toEqual(a);
    expect(b2).toEqual(b);
  });

  it('handle BYTES and INT64 tensors', () => {
    const s = (values: string[]): NamedTensor => ({ name: 's', datatype: 'BYTES', shape: [values.length], data: bytesFromStrings(values) });
    const merged = concatAlong([s(['a']), s(['bc', 'd'])], 0);
    expect(stringsFromBytes(merged.data as Uint8Array[])).toEqual(['a', 'bc', 'd']);
    expect(splitAlong(merged, 0, [1, 2]).map((t) => stringsFromBytes(t.data as Uint8Array[]))).toEqual([['a'], ['bc', 'd']]);
    const i = (values: bigint[]): NamedTensor => ({ name: 'i', datatype: 'INT64', shape: [values.length, 1], data: BigInt64Array.from(values) });
    const ints = concatAlong([i([1n]), i([2n, 3n])], 0);
    expect(Array.from(ints.data as BigInt64Array)).toEqual([1n, 2n, 3n]);
  });

  it('refuse to split an output whose row count is not the merged batch', () => {
    expect(() => splitAlong(f32([4, 2], 0), 0, [1, 2])).toThrow(expect.objectContaining({ code: 'INFERENCE_FAILED' }));
  });
});
