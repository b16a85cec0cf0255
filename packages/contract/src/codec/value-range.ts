import { SplitflowError } from '../errors/splitflow-error.js';
import type { TensorSpec } from '../schema/manifest.js';
import { decodeFloat16 } from './fp16.js';
import type { Tensor } from './tensor.js';

/**
 * Throws INVALID_TENSOR when an element lies outside the input's declared `range` (token ids at or
 * past the vocabulary size, say). The model would fail on them, or read memory it should not; refused
 * here, the request is the client's fault (400) and never the server's (500).
 */
export function checkValueRange(spec: Pick<TensorSpec, 'name' | 'range'>, tensor: Tensor): void {
  const range = spec.range;
  if (range === undefined || tensor.datatype === 'BYTES') return;
  const data = tensor.datatype === 'FP16' ? decodeFloat16(tensor.data as Uint16Array) : (tensor.data as ArrayLike<number | bigint>);
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  const lo = big ? BigInt(Math.ceil(range.min)) : range.min;
  const hi = big ? BigInt(Math.floor(range.max)) : range.max;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number | bigint;
    // `!(in range)` rather than `out of range`: NaN is in no range.
    if (!(v >= lo && v <= hi)) {
      throw new SplitflowError('INVALID_TENSOR', {
        message: `tensor "${spec.name}": element ${i} is ${String(v)}, outside the model's range [${range.min}, ${range.max}]`,
        details: { tensor: spec.name, index: i, range },
      });
    }
  }
}
