import { describe, expect, it } from 'vitest';
import { isSplitflowError } from '../errors/splitflow-error.js';
import { decodeInferRequest, decodeInferResponse, encodeInferResponse } from './infer-codec.js';
import { parseJson, rawNumberText, stringifyJson } from './json-numbers.js';
import type { NamedTensor } from './tensor.js';

// OIP JSON as Triton reads and writes it, and as Python's json writes it: bare NaN and infinities,
// 64-bit integers exactly, -0.0 with its sign.

const request = (inputs: string) => `{"inputs":[${inputs}]}`;

function failure(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

describe('parseJson', () => {
  it('keeps NaN, infinities and long integers outside strings as their exact text, and leaves strings and floats alone', () => {
    const v = parseJson('{"a":[NaN,Infinity,-Infinity,9007199254740993,-9223372036854775808,1.5e300,-0.0,123],"s":"NaN 12345678901234567"}') as {
      a: unknown[];
      s: string;
    };
    expect(v.a.slice(0, 5).map(rawNumberText)).toEqual(['NaN', 'Infinity', '-Infinity', '9007199254740993', '-9223372036854775808']);
    expect(v.a.slice(5)).toEqual([1.5e300, -0, 123]);
    expect(Object.is(v.a[6], -0)).toBe(true);
    expect(v.s).toBe('NaN 12345678901234567');
  });

  it('still refuses what is not JSON', () => {
    expect(() => parseJson('[NaN,')).toThrow();
    expect(() => parseJson('[nan]')).toThrow();
  });

  it('a string a client sends is never taken for a marked number, and a read one is never written as a bare token', () => {
    const v = parseJson('["\\u0000sf0000000000000000:NaN", NaN]') as unknown[];
    expect(rawNumberText(v[0])).toBeUndefined();
    expect(rawNumberText(v[1])).toBe('NaN');
    // A read NaN that lands outside tensor data (echoed back, say) is written as a string: still JSON.
    const written = JSON.parse(stringifyJson(v)) as unknown[];
    expect(written[0]).toBe('\u0000sf0000000000000000:NaN');
    expect(typeof written[1]).toBe('string');
  });
});

describe('tensor data in JSON beyond JSON.parse', () => {
  it('reads NaN and the infinities into float tensors, and -0.0 with its sign', () => {
    const { inputs } = decodeInferRequest(request('{"name":"x","datatype":"FP32","shape":[5],"data":[NaN,Infinity,-Infinity,-0.0,1]}'));
    const x = Array.from(inputs[0]?.data as Float32Array);
    expect(Number.isNaN(x[0])).toBe(true);
    expect(x.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1]);
    expect(Object.is(x[3], -0)).toBe(true);
    const { inputs: f64 } = decodeInferRequest(request('{"name":"x","datatype":"FP64","shape":[2],"data":[12345678901234567,NaN]}'));
    expect((f64[0] as NamedTensor).data[0]).toBe(Number('12345678901234567'));
  });

  it('reads 64-bit integers exactly, to the ends of their ranges', () => {
    const { inputs } = decodeInferRequest(
      request(
        '{"name":"a","datatype":"INT64","shape":[3],"data":[9007199254740993,-9223372036854775808,9223372036854775807]},' +
          '{"name":"b","datatype":"UINT64","shape":[2],"data":[18446744073709551615,7]}',
      ),
    );
    expect(Array.from(inputs[0]?.data as BigInt64Array)).toEqual([9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n]);
    expect(Array.from(inputs[1]?.data as BigUint64Array)).toEqual([2n ** 64n - 1n, 7n]);
  });

  it('refuses a value out of its type with the exact text the client sent', () => {
    const cases: [string, string][] = [
      ['{"name":"a","datatype":"INT64","shape":[1],"data":[9223372036854775808]}', 'got 9223372036854775808'],
      ['{"name":"a","datatype":"UINT64","shape":[1],"data":[-1]}', 'got -1'],
      ['{"name":"a","datatype":"INT32","shape":[1],"data":[12345678901234567]}', 'got 12345678901234567'],
      ['{"name":"a","datatype":"INT64","shape":[1],"data":[NaN]}', 'got NaN'],
      ['{"name":"a","datatype":"BOOL","shape":[1],"data":[Infinity]}', 'got Infinity'],
      ['{"name":"a","datatype":"BYTES","shape":[1],"data":[-Infinity]}', 'got -Infinity'],
    ];
    for (const [input, message] of cases) {
      const error = failure(() => decodeInferRequest(request(input)));
      expect([input, isSplitflowError(error, 'INVALID_TENSOR'), error?.message]).toEqual([input, true, expect.stringContaining(message)]);
    }
  });

  it('writes INT64 past 2^53 exactly and a float -0 as -0.0, and reads them back', () => {
    const encoded = encodeInferResponse({
      model_name: 'm',
      outputs: [
        { name: 'i', datatype: 'INT64', shape: [2], data: BigInt64Array.from([4611686018427387906n, -(2n ** 63n)]) },
        { name: 'u', datatype: 'UINT64', shape: [1], data: BigUint64Array.from([2n ** 64n - 1n]) },
        { name: 'f', datatype: 'FP32', shape: [3], data: Float32Array.from([-0, 0, 2]) },
      ],
    });
    const text = encoded.body as string;
    expect(text).toContain('"data":[4611686018427387906,-9223372036854775808]');
    expect(text).toContain('"data":[18446744073709551615]');
    expect(text).toContain('"data":[-0.0,0,2]');
    const { outputs } = decodeInferResponse(text);
    expect(Array.from(outputs[0]?.data as BigInt64Array)).toEqual([4611686018427387906n, -(2n ** 63n)]);
    expect(Object.is((outputs[2] as NamedTensor).data[0], -0)).toBe(true);
  });
});
