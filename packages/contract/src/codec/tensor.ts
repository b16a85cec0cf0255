import { SplitflowError } from '../errors/splitflow-error.js';
import type { Datatype } from '../schema/common.js';
import { DATATYPE_INFO, type DataByType, elementCount, type FixedDatatype, isDatatype, type TensorData } from './datatype.js';
import { decodeFloat16, encodeFloat16 } from './fp16.js';
import { rawNumber, rawNumberText } from './json-numbers.js';

/** A tensor as Splitflow moves it: datatype, shape and a flat row-major typed array. */
export interface Tensor<D extends Datatype = Datatype> {
  datatype: D;
  shape: number[];
  data: DataByType[D];
}

export interface NamedTensor<D extends Datatype = Datatype> extends Tensor<D> {
  name: string;
}

const invalid = (name: string, message: string) => new SplitflowError('INVALID_TENSOR', { message: `tensor "${name}": ${message}`, details: { tensor: name } });

/** Throws INVALID_TENSOR unless the tensor's datatype, shape and data agree. */
export function checkTensor(tensor: Tensor, name = '(unnamed)'): void {
  if (!isDatatype(tensor.datatype)) throw invalid(name, `unknown datatype ${JSON.stringify(tensor.datatype)}`);
  if (!Array.isArray(tensor.shape) || !tensor.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalid(name, `shape must be a list of integers >= 0, got ${JSON.stringify(tensor.shape)}`);
  }
  const count = elementCount(tensor.shape);
  const info = DATATYPE_INFO[tensor.datatype];
  if (tensor.datatype === 'BYTES') {
    if (!Array.isArray(tensor.data) || !tensor.data.every((e) => e instanceof Uint8Array)) throw invalid(name, 'BYTES data must be a list of Uint8Array');
  } else if (!(info.array && tensor.data instanceof info.array)) {
    throw invalid(name, `${tensor.datatype} data must be a ${info.array?.name}`);
  }
  if (tensor.data.length !== count) throw invalid(name, `shape [${tensor.shape.join(',')}] needs ${count} elements, data has ${tensor.data.length}`);
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export const bytesFromStrings = (values: readonly string[]): Uint8Array[] => values.map((s) => textEncoder.encode(s));
export const stringsFromBytes = (values: readonly Uint8Array[]): string[] => values.map((b) => textDecoder.decode(b));

/** Raw little-endian bytes of a tensor, as Triton's binary extension sends them (BYTES: u32 length + bytes each). */
export function tensorToBytes(tensor: Tensor): Uint8Array {
  if (tensor.datatype === 'BYTES') {
    const items = tensor.data as Uint8Array[];
    const out = new Uint8Array(items.reduce((n, b) => n + 4 + b.length, 0));
    const view = new DataView(out.buffer);
    let offset = 0;
    for (const item of items) {
      view.setUint32(offset, item.length, true);
      out.set(item, offset + 4);
      offset += 4 + item.length;
    }
    return out;
  }
  const data = tensor.data as DataByType[FixedDatatype];
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Reads a tensor from raw little-endian bytes; the byte count must match the shape exactly. */
export function tensorFromBytes(datatype: Datatype, shape: number[], bytes: Uint8Array, name = '(unnamed)'): Tensor {
  const count = elementCount(shape);
  if (datatype === 'BYTES') {
    const items: Uint8Array[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    while (offset < bytes.length) {
      if (offset + 4 > bytes.length) throw invalid(name, 'BYTES element length prefix is cut off');
      const length = view.getUint32(offset, true);
      if (offset + 4 + length > bytes.length) throw invalid(name, `BYTES element ${items.length} runs past the end of the data`);
      items.push(bytes.slice(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    if (items.length !== count) throw invalid(name, `shape [${shape.join(',')}] needs ${count} elements, data has ${items.length}`);
    return { datatype, shape, data: items };
  }
  const info = DATATYPE_INFO[datatype];
  const expected = count * info.bytes;
  if (bytes.length !== expected) throw invalid(name, `shape [${shape.join(',')}] of ${datatype} needs ${expected} bytes, got ${bytes.length}`);
  const Ctor = info.array as NonNullable<typeof info.array>;
  // Copy into a fresh, aligned buffer: the slice of a request body is rarely aligned to the element size.
  const copy = new Uint8Array(expected);
  copy.set(bytes);
  return { datatype, shape, data: new Ctor(copy.buffer, 0, count) } as Tensor;
}

type JsonScalar = number | boolean | string;

/** The flat JSON `data` array of an OIP tensor. */
export function tensorToJson(tensor: Tensor): JsonScalar[] {
  switch (tensor.datatype) {
    case 'BOOL':
      return Array.from(tensor.data as Uint8Array, (v) => v !== 0);
    case 'FP16':
      return withNegativeZero(Array.from(decodeFloat16(tensor.data as Uint16Array)));
    case 'FP32':
    case 'FP64':
      return withNegativeZero(Array.from(tensor.data as Float32Array | Float64Array));
    case 'INT64':
    case 'UINT64':
      // Past 2^53 the exact digits are written, as Triton writes them (see json-numbers.ts).
      return Array.from(tensor.data as BigInt64Array | BigUint64Array, (v) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : rawNumber(String(v));
      });
    case 'BYTES':
      return stringsFromBytes(tensor.data as Uint8Array[]);
    default:
      return Array.from(tensor.data as ArrayLike<number>);
  }
}

/** A float negative zero is written `-0.0` (JSON.stringify would write `0`, an integer to Python). */
function withNegativeZero(values: number[]): JsonScalar[] {
  let i = values.findIndex((v) => v === 0 && 1 / v < 0);
  if (i < 0) return values;
  const out: JsonScalar[] = values;
  for (; i < out.length; i++) if (out[i] === 0 && 1 / (out[i] as number) < 0) out[i] = rawNumber('-0.0');
  return out;
}

function flatten(data: unknown, out: unknown[], name: string, depth = 0): void {
  if (depth > 32) throw invalid(name, 'data is nested too deeply');
  for (const item of data as unknown[]) {
    if (Array.isArray(item)) flatten(item, out, name, depth + 1);
    else out.push(item);
  }
}

/** Elements in a nested JSON array; counting stops once `stopAt` is reached. */
export function countLeaves(data: readonly unknown[], stopAt: number, name: string, depth = 0): number {
  if (depth > 32) throw invalid(name, 'data is nested too deeply');
  let n = 0;
  for (const item of data) {
    n += Array.isArray(item) ? countLeaves(item, stopAt - n, name, depth + 1) : 1;
    if (n >= stopAt) return n;
  }
  return n;
}

const INT_RANGES: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

const BIG_RANGES: Partial<Record<Datatype, [bigint, bigint]>> = {
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  UINT64: [0n, 2n ** 64n - 1n],
};

/** A float from a number or from the exact text of one JSON.parse could not read (`NaN`, `Infinity`, a long integer). */
function floatOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const text = rawNumberText(v);
  if (text === undefined) return undefined;
  return text === 'NaN' ? Number.NaN : Number(text);
}

/** A 64-bit integer from a safe JSON integer or from the exact digits of a longer one; undefined when out of range. */
function bigOf(v: unknown, datatype: Datatype): bigint | undefined {
  const [lo, hi] = BIG_RANGES[datatype] as [bigint, bigint];
  let big: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return undefined;
    big = BigInt(v);
  } else {
    const text = rawNumberText(v);
    if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
    big = BigInt(text);
  }
  return big >= lo && big <= hi ? big : undefined;
}

/**
 * Reads an OIP JSON `data` array (flat or nested) into a tensor, checking every element's type and
 * range and the element count. Floats may be `NaN`, `Infinity` and `-Infinity` and 64-bit integers
 * any of their values, read from the text as `parseJson` kept it (json-numbers.ts).
 */
export function tensorFromJson(datatype: Datatype, shape: number[], data: unknown, name = '(unnamed)'): Tensor {
  if (!Array.isArray(data)) throw invalid(name, '"data" must be an array');
  const count = elementCount(shape);
  // Counted before anything is copied or converted: a body with far more elements than its shape
  // costs one walk that stops past the shape's count, not a flattened copy of all of it.
  const found = countLeaves(data, count + 1, name);
  if (found !== count) throw invalid(name, `shape [${shape.join(',')}] needs ${count} elements, data has ${found > count ? 'more' : found}`);
  const flat: unknown[] = data.length === count && !data.some(Array.isArray) ? data : [];
  if (flat !== data) flatten(data, flat, name);
  const bad = (i: number, what: string) => invalid(name, `data[${i}] must be ${what}, got ${quoted(flat[i])}`);
  switch (datatype) {
    case 'BOOL':
      return {
        datatype,
        shape,
        data: Uint8Array.from(flat, (v, i) => (typeof v === 'boolean' ? Number(v) : v === 0 || v === 1 ? v : throwErr(bad(i, 'a boolean')))),
      };
    case 'BYTES':
      return {
        datatype,
        shape,
        data: flat.map((v, i) => (typeof v === 'string' && rawNumberText(v) === undefined ? textEncoder.encode(v) : throwErr(bad(i, 'a string')))),
      };
    case 'FP16':
    case 'FP32':
    case 'FP64': {
      // NaN and the infinities as Triton reads them: bare tokens (NVIDIA's Python client writes them so).
      const nums = flat.map((v, i) => floatOf(v) ?? throwErr(bad(i, 'a number')));
      if (datatype === 'FP16') return { datatype, shape, data: encodeFloat16(nums) };
      return { datatype, shape, data: datatype === 'FP32' ? Float32Array.from(nums) : Float64Array.from(nums) };
    }
    case 'INT64':
    case 'UINT64': {
      const [lo, hi] = BIG_RANGES[datatype] as [bigint, bigint];
      const Big = datatype === 'INT64' ? BigInt64Array : BigUint64Array;
      const out = new Big(flat.length);
      for (let i = 0; i < flat.length; i++) out[i] = bigOf(flat[i], datatype) ?? throwErr(bad(i, `an integer in [${lo}, ${hi}]`));
      return { datatype, shape, data: out } as Tensor;
    }
    default: {
      const [lo, hi] = INT_RANGES[datatype] as [number, number];
      const ints = flat.map((v, i) =>
        typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : throwErr(bad(i, `an integer in [${lo}, ${hi}]`)),
      );
      const Ctor = DATATYPE_INFO[datatype].array as NonNullable<(typeof DATATYPE_INFO)['INT32']['array']>;
      const out = new Ctor(ints.length) as Int32Array;
      out.set(ints);
      return { datatype, shape, data: out } as Tensor;
    }
  }
}

/**
 * A JSON value for an error message: a number JSON.parse could not hold as its exact text. An integer
 * past 2^53 written in another form (`1e17`) was rounded by the parser, so it is described instead.
 */
function quoted(value: unknown): string {
  const raw = rawNumberText(value);
  if (raw !== undefined) return raw;
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `an integer of magnitude 2^53 or more (about ${value.toPrecision(6)}), which a JSON number does not carry exactly; send such values in the binary extension`;
  }
  return JSON.stringify(value);
}

function throwErr(error: Error): never {
  throw error;
}

export type { TensorData };
