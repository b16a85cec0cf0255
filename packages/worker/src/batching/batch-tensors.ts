import { DATATYPE_INFO, type FixedDatatype, type NamedTensor, SplitflowError, type TensorData } from '@splitflow/contract';

type FixedArray = Exclude<TensorData, Uint8Array[]>;

/** Row-major layout around one axis: `outer` blocks of `rows` × `inner` elements. */
function around(shape: readonly number[], axis: number): { outer: number; inner: number } {
  let outer = 1;
  let inner = 1;
  shape.forEach((d, i) => {
    if (i < axis) outer *= d;
    else if (i > axis) inner *= d;
  });
  return { outer, inner };
}

/**
 * Concatenates tensors of the same name, datatype and shape (except along `axis`) into one. Element
 * order inside each block is kept, so each part's rows are bit-for-bit the rows it sent.
 */
export function concatAlong(parts: readonly NamedTensor[], axis: number): NamedTensor {
  const first = parts[0];
  if (!first) throw new SplitflowError('INTERNAL', { message: 'concatAlong needs at least one tensor' });
  if (parts.length === 1) return first;
  const rows = parts.reduce((n, p) => n + (p.shape[axis] as number), 0);
  const shape = first.shape.map((d, i) => (i === axis ? rows : d));
  const { outer, inner } = around(first.shape, axis);
  if (first.datatype === 'BYTES') {
    const out: Uint8Array[] = [];
    for (let o = 0; o < outer; o++) {
      for (const part of parts) {
        const block = (part.shape[axis] as number) * inner;
        out.push(...(part.data as Uint8Array[]).slice(o * block, (o + 1) * block));
      }
    }
    return { name: first.name, datatype: first.datatype, shape, data: out };
  }
  const Ctor = DATATYPE_INFO[first.datatype as FixedDatatype].array as NonNullable<(typeof DATATYPE_INFO)['FP32']['array']>;
  const out = new Ctor(outer * rows * inner) as FixedArray;
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const block = (part.shape[axis] as number) * inner;
      const data = part.data as FixedArray;
      (out as Float32Array).set((data as Float32Array).subarray(o * block, (o + 1) * block), offset);
      offset += block;
    }
  }
  return { name: first.name, datatype: first.datatype, shape, data: out } as NamedTensor;
}

/** Splits a tensor along `axis` into parts of the given row counts (the inverse of concatAlong). */
export function splitAlong(tensor: NamedTensor, axis: number, rows: readonly number[]): NamedTensor[] {
  if (rows.length === 1) return [tensor];
  const total = tensor.shape[axis];
  const sum = rows.reduce((a, b) => a + b, 0);
  if (total !== sum) {
    throw new SplitflowError('INFERENCE_FAILED', { message: `output "${tensor.name}" has ${total} rows along axis ${axis}, the merged batch had ${sum}` });
  }
  const { outer, inner } = around(tensor.shape, axis);
  let start = 0;
  return rows.map((n) => {
    const shape = tensor.shape.map((d, i) => (i === axis ? n : d));
    const block = n * inner;
    const stride = total * inner;
    let data: TensorData;
    if (tensor.datatype === 'BYTES') {
      const src = tensor.data as Uint8Array[];
      const out: Uint8Array[] = [];
      for (let o = 0; o < outer; o++) out.push(...src.slice(o * stride + start * inner, o * stride + start * inner + block));
      data = out;
    } else if (outer === 1) {
      // The common case (batch on axis 0): a copy of one contiguous range.
      data = (tensor.data as Float32Array).slice(start * inner, start * inner + block);
    } else {
      const src = tensor.data as Float32Array;
      const out = new (src.constructor as Float32ArrayConstructor)(outer * block);
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * stride + start * inner, o * stride + start * inner + block), o * block);
      data = out;
    }
    start += n;
    return { name: tensor.name, datatype: tensor.datatype, shape, data } as NamedTensor;
  });
}

/**
 * `extra` rows to append to a run along `axis`, each a copy of the tensor's last row: padding that is
 * always a valid input for the model (zeros might not be, e.g. for a range-checked or index input).
 */
export function lastRowCopies(tensor: NamedTensor, axis: number, extra: number): NamedTensor[] {
  if (extra <= 0) return [];
  const rows = tensor.shape[axis] as number;
  if (rows < 1) throw new SplitflowError('INTERNAL', { message: `cannot pad "${tensor.name}": it has no row to repeat` });
  const last = splitAlong(tensor, axis, [rows - 1, 1])[1] as NamedTensor;
  return Array.from({ length: extra }, () => last);
}
