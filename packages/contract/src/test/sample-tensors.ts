import { encodeFloat16 } from '../codec/fp16.js';
import { bytesFromStrings, type Tensor } from '../codec/tensor.js';
import type { Datatype } from '../schema/common.js';

/** A 2x3 tensor of each datatype with values at the edges of its range. */
export function sampleTensor(datatype: Datatype): Tensor {
  const shape = [2, 3];
  switch (datatype) {
    case 'BOOL':
      return { datatype, shape, data: Uint8Array.from([1, 0, 1, 1, 0, 0]) };
    case 'UINT8':
      return { datatype, shape, data: Uint8Array.from([0, 1, 127, 128, 254, 255]) };
    case 'UINT16':
      return { datatype, shape, data: Uint16Array.from([0, 1, 300, 32768, 65534, 65535]) };
    case 'UINT32':
      return { datatype, shape, data: Uint32Array.from([0, 1, 70000, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1]) };
    case 'UINT64':
      return { datatype, shape, data: BigUint64Array.from([0n, 1n, 2n ** 32n, 2n ** 53n - 1n, 7n, 9n]) };
    case 'INT8':
      return { datatype, shape, data: Int8Array.from([-128, -1, 0, 1, 100, 127]) };
    case 'INT16':
      return { datatype, shape, data: Int16Array.from([-32768, -1, 0, 1, 1000, 32767]) };
    case 'INT32':
      return { datatype, shape, data: Int32Array.from([-(2 ** 31), -1, 0, 1, 123456, 2 ** 31 - 1]) };
    case 'INT64':
      return { datatype, shape, data: BigInt64Array.from([-(2n ** 53n) + 1n, -1n, 0n, 1n, 2n ** 40n, 2n ** 53n - 1n]) };
    case 'FP16':
      return { datatype, shape, data: encodeFloat16([-65504, -1.5, 0, 2 ** -24, 0.333, 65504]) };
    case 'FP32':
      return { datatype, shape, data: Float32Array.from([-3.4e38, -1.5, 0, 1e-45, Math.PI, 3.4e38]) };
    case 'FP64':
      return { datatype, shape, data: Float64Array.from([-1.7e308, -1.5, 0, 5e-324, Math.PI, 1.7e308]) };
    case 'BYTES':
      return { datatype, shape, data: [...bytesFromStrings(['', 'a', 'héllo', '日本']), Uint8Array.from([0, 255]), new Uint8Array(300).fill(7)] };
  }
}
