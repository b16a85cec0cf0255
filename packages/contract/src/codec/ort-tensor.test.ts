import { describe, expect, it } from 'vitest';
import { isSplitflowError } from '../errors/splitflow-error.js';
import { DATATYPES } from './datatypes.js';
import { fromOrtTensor, type OrtTensorLike, toOrtTensor } from './ort-tensor.js';
import type { NamedTensor } from './tensor.js';

// The mapping takes ONNX Runtime's Tensor class as an argument. Here a class that keeps what it is
// given, as onnxruntime's does; the worker's and the SDK's tests run it against the real packages.
class Recorded implements OrtTensorLike {
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
}

const sample = (datatype: Exclude<NamedTensor['datatype'], 'BYTES'>): NamedTensor => {
  const info = {
    FP16: Uint16Array,
    FP32: Float32Array,
    FP64: Float64Array,
    INT8: Int8Array,
    INT16: Int16Array,
    INT32: Int32Array,
    UINT8: Uint8Array,
    UINT16: Uint16Array,
    UINT32: Uint32Array,
    BOOL: Uint8Array,
  };
  if (datatype === 'INT64') return { name: 'x', datatype, shape: [2], data: BigInt64Array.of(-3n, 4n) };
  if (datatype === 'UINT64') return { name: 'x', datatype, shape: [2], data: BigUint64Array.of(3n, 4n) };
  const Array_ = info[datatype];
  return { name: 'x', datatype, shape: [2, 1], data: Array_.of(1, 0) } as NamedTensor;
};

describe('the tensor <-> ONNX Runtime mapping', () => {
  it('carries every fixed-size datatype there and back unchanged, under the runtime type name', () => {
    const names: Record<string, string> = {};
    for (const datatype of DATATYPES) {
      if (datatype === 'BYTES') continue;
      const tensor = sample(datatype);
      const ort = toOrtTensor(Recorded, tensor);
      names[datatype] = ort.type;
      expect(ort.data).toBe(tensor.data);
      expect(fromOrtTensor('y', ort)).toEqual({ ...tensor, name: 'y' });
    }
    expect(names).toMatchObject({ FP32: 'float32', FP16: 'float16', INT64: 'int64', BOOL: 'bool', UINT8: 'uint8' });
  });

  it('gives BYTES to the runtime as strings and takes strings back as UTF-8 bytes', () => {
    const text: NamedTensor = { name: 't', datatype: 'BYTES', shape: [2], data: [new Uint8Array([104, 105]), new Uint8Array([0xc3, 0xa9])] };
    const ort = toOrtTensor(Recorded, text);
    expect(ort.type).toBe('string');
    expect(ort.data).toEqual(['hi', 'é']);
    expect(fromOrtTensor('t', ort)).toEqual(text);
  });

  it('takes an FP16 output given as another 16-bit array as a Uint16Array of the same bits', () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x7bff);
    // An engine with Float16Array hands one over; any 16-bit view of the same bytes stands in for it.
    const asInt16 = new Int16Array(bits.buffer);
    const out = fromOrtTensor('h', new Recorded('float16', asInt16, [3]));
    expect(out.data).toBeInstanceOf(Uint16Array);
    expect([...(out.data as Uint16Array)]).toEqual([0x3c00, 0xc000, 0x7bff]);
  });

  it('refuses an output type the wire cannot carry with INFERENCE_FAILED naming the output', () => {
    let error: unknown;
    try {
      fromOrtTensor('seq', new Recorded('complex64', new Float32Array(2), [1]));
    } catch (e) {
      error = e;
    }
    expect(isSplitflowError(error, 'INFERENCE_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/output "seq" has type complex64/);
  });
});
