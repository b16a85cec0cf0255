import { describe, expect, it } from 'vitest';
import { isSplitflowError } from '../errors/splitflow-error.js';
import { sampleTensor } from '../test/sample-tensors.js';
import { DATATYPES } from './datatypes.js';
import { encodeInferResponse } from './infer-codec.js';
import { bytesFromStrings, checkTensor, stringsFromBytes, type Tensor, tensorFromBytes, tensorFromJson, tensorToBytes, tensorToJson } from './tensor.js';

const plain = (t: Tensor) => ({
  datatype: t.datatype,
  shape: t.shape,
  data: t.datatype === 'BYTES' ? (t.data as Uint8Array[]).map((b) => [...b]) : Array.from(t.data as ArrayLike<unknown>),
});

describe('tensor codecs, every datatype', () => {
  it.each(DATATYPES)('%s round-trips through raw bytes exactly', (datatype) => {
    const t = sampleTensor(datatype);
    const back = tensorFromBytes(datatype, t.shape, tensorToBytes(t));
    expect(plain(back)).toEqual(plain(t));
  });

  it.each(DATATYPES.filter((d) => d !== 'BYTES'))('%s round-trips through OIP JSON exactly', (datatype) => {
    const t = sampleTensor(datatype);
    const json = JSON.parse(JSON.stringify(tensorToJson(t)));
    expect(plain(tensorFromJson(datatype, t.shape, json))).toEqual(plain(t));
  });

  it('BYTES round-trips through JSON for UTF-8 text', () => {
    const t: Tensor = { datatype: 'BYTES', shape: [3], data: bytesFromStrings(['', 'a b', 'ünï']) };
    expect(tensorToJson(t)).toEqual(['', 'a b', 'ünï']);
    expect(stringsFromBytes(tensorFromJson('BYTES', [3], ['', 'a b', 'ünï']).data as Uint8Array[])).toEqual(['', 'a b', 'ünï']);
  });

  it('writes BOOL as JSON booleans and FP16 as numbers', () => {
    expect(tensorToJson(sampleTensor('BOOL'))).toEqual([true, false, true, true, false, false]);
    expect(tensorToJson(sampleTensor('FP16')).slice(0, 2)).toEqual([-65504, -1.5]);
  });

  it('accepts nested JSON data as the spec allows', () => {
    expect([
      ...(tensorFromJson(
        'INT32',
        [2, 2],
        [
          [1, 2],
          [3, 4],
        ],
      ).data as Int32Array),
    ]).toEqual([1, 2, 3, 4]);
  });

  it('reads tensors from unaligned slices of a body', () => {
    const t = sampleTensor('FP64');
    const body = new Uint8Array(1 + 48);
    body.set(tensorToBytes(t), 1);
    expect(plain(tensorFromBytes('FP64', [2, 3], body.subarray(1)))).toEqual(plain(t));
  });
});

describe('tensor codec errors', () => {
  const invalid = (fn: () => unknown, text: string) => {
    try {
      fn();
    } catch (e) {
      expect(isSplitflowError(e, 'INVALID_TENSOR')).toBe(true);
      expect((e as Error).message).toContain(text);
      return;
    }
    throw new Error('expected INVALID_TENSOR');
  };

  it('rejects element counts that do not match the shape', () => {
    invalid(() => tensorFromJson('FP32', [2, 2], [1, 2, 3], 'x'), 'tensor "x": shape [2,2] needs 4 elements, data has 3');
    invalid(() => tensorFromBytes('FP32', [2], new Uint8Array(7), 'x'), 'needs 8 bytes, got 7');
    invalid(() => checkTensor({ datatype: 'FP32', shape: [3], data: new Float32Array(2) }, 'x'), 'needs 3 elements');
  });

  it('rejects wrong element types and out-of-range integers', () => {
    invalid(() => tensorFromJson('FP32', [2], [1, 'a']), 'data[1] must be a number, got "a"');
    invalid(() => tensorFromJson('UINT8', [1], [256]), 'data[0] must be an integer in [0, 255], got 256');
    invalid(() => tensorFromJson('INT32', [1], [1.5]), 'must be an integer');
    invalid(() => tensorFromJson('BOOL', [1], ['true']), 'must be a boolean');
    invalid(() => tensorFromJson('BYTES', [1], [1]), 'must be a string');
    invalid(() => tensorFromJson('FP32', [1], 'nope' as unknown), '"data" must be an array');
  });

  it('rejects the wrong typed array, and BYTES that run past the end', () => {
    invalid(() => checkTensor({ datatype: 'FP32', shape: [1], data: new Float64Array(1) } as unknown as Tensor), 'FP32 data must be a Float32Array');
    invalid(() => tensorFromBytes('BYTES', [1], Uint8Array.from([9, 0, 0, 0, 1])), 'runs past the end');
  });

  it('writes INT64 values past 2^53 with their exact digits', () => {
    const json = encodeInferResponse({
      model_name: 'm',
      outputs: [{ name: 'y', datatype: 'INT64', shape: [2], data: BigInt64Array.from([2n ** 60n + 1n, 3n]) }],
    }).body as string;
    expect(json).toContain('"data":[1152921504606846977,3]');
  });

  it('does not quote the rounded double for a JSON integer past 2^53, which the client never sent', () => {
    const error = (() => {
      try {
        tensorFromJson('INT64', [2], JSON.parse('[1, 9007199254740993]'));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(isSplitflowError(error, 'INVALID_TENSOR')).toBe(true);
    expect(error?.message).toContain('data[1]');
    expect(error?.message).toContain('binary extension');
    expect(error?.message).not.toContain('9007199254740992');
  });
});
