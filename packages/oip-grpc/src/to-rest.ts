import {
  BINARY_DATA,
  BINARY_DATA_SIZE,
  BINARY_HEADER,
  type Datatype,
  isDatatype,
  type Parameters,
  SPLITFLOW_PARAMS,
  SplitflowError,
  tensorToBytes,
} from '@splitflow/contract';
import { checkedTensor } from './checked-tensor.js';
import type { InferInputTensor, InferParameter, InferTensorContents, ModelInferRequest, ParameterMap } from './messages.js';

/** A REST request made from a gRPC call: what the server's own REST routes are given. */
export interface RestRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

const invalid = (message: string) => new SplitflowError('INVALID_REQUEST', { message });

/** `/v2/models/{name}[/versions/{v}]{suffix}`; an empty version (proto3's unset) means none. */
export function modelUrl(name: string, version: string | undefined, suffix: string): string {
  if (name === '') throw invalid('model_name is empty');
  const base = `/v2/models/${encodeURIComponent(name)}`;
  return version ? `${base}/versions/${encodeURIComponent(version)}${suffix}` : `${base}${suffix}`;
}

/** An InferParameter as the JSON value OIP REST carries. 64-bit integers past 2^53 are refused, not rounded. */
export function parameterToJson(p: InferParameter, key: string): string | number | boolean {
  switch (p.parameter_choice) {
    case 'bool_param':
      return p.bool_param === true;
    case 'string_param':
      return p.string_param ?? '';
    case 'double_param':
      return p.double_param ?? 0;
    case 'int64_param':
    case 'uint64_param': {
      const n = Number(p[p.parameter_choice] ?? 0);
      if (!Number.isSafeInteger(n)) throw invalid(`parameter "${key}": ${p[p.parameter_choice]} is beyond the integers REST parameters carry exactly`);
      return n;
    }
    default:
      throw invalid(`parameter "${key}" has no value`);
  }
}

export function parametersToJson(map: ParameterMap | undefined): Parameters | undefined {
  if (map === undefined) return undefined;
  const entries = Object.entries(map);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([k, v]) => [k, parameterToJson(v, k)]));
}

function dims(shape: readonly (string | number)[], where: string): number[] {
  return shape.map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw invalid(`${where}: shape has ${d}; dims are integers >= 0`);
    return n;
  });
}

const RANGES = { INT8: [-128, 127], INT16: [-32768, 32767], UINT8: [0, 255], UINT16: [0, 65535] } as const;

/** Narrow integers arrive in 32-bit fields; a value out of the datatype's range is refused rather than wrapped. */
function inRange(values: readonly number[], datatype: keyof typeof RANGES, where: string): readonly number[] {
  const [lo, hi] = RANGES[datatype];
  const i = values.findIndex((v) => v < lo || v > hi);
  if (i >= 0) throw new SplitflowError('INVALID_TENSOR', { message: `${where}: contents[${i}] is ${values[i]}, outside ${datatype}'s [${lo}, ${hi}]` });
  return values;
}

/** Typed `contents` as the raw little-endian bytes the binary extension carries (BYTES: 4-byte length, then the bytes). */
function contentsToBytes(datatype: Datatype, shape: number[], c: InferTensorContents, where: string): Uint8Array {
  const tensor = (() => {
    switch (datatype) {
      case 'BOOL':
        return checkedTensor(
          datatype,
          shape,
          Uint8Array.from(c.bool_contents ?? [], (b) => (b ? 1 : 0)),
          where,
        );
      case 'INT8':
        return checkedTensor(datatype, shape, Int8Array.from(inRange(c.int_contents ?? [], 'INT8', where)), where);
      case 'INT16':
        return checkedTensor(datatype, shape, Int16Array.from(inRange(c.int_contents ?? [], 'INT16', where)), where);
      case 'INT32':
        return checkedTensor(datatype, shape, Int32Array.from(c.int_contents ?? []), where);
      case 'INT64':
        return checkedTensor(
          datatype,
          shape,
          BigInt64Array.from(c.int64_contents ?? [], (v) => BigInt(v)),
          where,
        );
      case 'UINT8':
        return checkedTensor(datatype, shape, Uint8Array.from(inRange(c.uint_contents ?? [], 'UINT8', where)), where);
      case 'UINT16':
        return checkedTensor(datatype, shape, Uint16Array.from(inRange(c.uint_contents ?? [], 'UINT16', where)), where);
      case 'UINT32':
        return checkedTensor(datatype, shape, Uint32Array.from(c.uint_contents ?? []), where);
      case 'UINT64':
        return checkedTensor(
          datatype,
          shape,
          BigUint64Array.from(c.uint64_contents ?? [], (v) => BigInt(v)),
          where,
        );
      case 'FP32':
        return checkedTensor(datatype, shape, Float32Array.from(c.fp32_contents ?? []), where);
      case 'FP64':
        return checkedTensor(datatype, shape, Float64Array.from(c.fp64_contents ?? []), where);
      case 'BYTES':
        return checkedTensor(datatype, shape, c.bytes_contents ?? [], where);
      default:
        // FP16 and BF16 have no typed field in the proto: they travel in raw_input_contents.
        throw invalid(`${where}: ${datatype} has no typed contents in OIP gRPC; send it in raw_input_contents`);
    }
  })();
  return tensorToBytes(tensor);
}

function inputBytes(input: InferInputTensor, raw: Uint8Array | undefined, where: string): Uint8Array {
  if (!isDatatype(input.datatype)) throw new SplitflowError('INVALID_TENSOR', { message: `${where}: unknown datatype ${JSON.stringify(input.datatype)}` });
  if (raw !== undefined) return raw;
  if (!input.contents) throw invalid(`${where}: has neither contents nor raw_input_contents`);
  return contentsToBytes(input.datatype, dims(input.shape, where), input.contents, where);
}

/**
 * A ModelInfer request as an OIP REST request in the binary extension: raw_input_contents become the
 * binary part unchanged, typed contents are written as the same raw bytes, and every output is asked
 * for in binary, so no tensor is converted element by element on the way in or out. A gRPC deadline
 * becomes `splitflow.deadline_ms` unless the request names one.
 */
export function inferToRest(request: ModelInferRequest, headers: Record<string, string>, deadlineMs: number | undefined): RestRequest {
  const inputs = request.inputs ?? [];
  const raw = request.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw invalid(`raw_input_contents has ${raw.length} entries for ${inputs.length} inputs; when used, it holds every input`);
  }
  const chunks: Uint8Array[] = [];
  const jsonInputs = inputs.map((input, i) => {
    const where = `inputs[${i}] "${input.name}"`;
    if (raw.length > 0 && input.contents && Object.values(input.contents).some((v) => Array.isArray(v) && v.length > 0)) {
      throw invalid(`${where}: has both contents and raw_input_contents`);
    }
    const bytes = inputBytes(input, raw[i], where);
    chunks.push(bytes);
    const own = parametersToJson(input.parameters);
    return { name: input.name, datatype: input.datatype, shape: dims(input.shape, where), parameters: { ...own, [BINARY_DATA_SIZE]: bytes.length } };
  });
  const parameters: Parameters = { ...parametersToJson(request.parameters) };
  if (deadlineMs !== undefined && parameters[SPLITFLOW_PARAMS.deadlineMs] === undefined)
    parameters[SPLITFLOW_PARAMS.deadlineMs] = Math.max(1, Math.floor(deadlineMs));
  const header: Record<string, unknown> = { inputs: jsonInputs };
  if (request.id) header.id = request.id;
  const outputs = request.outputs ?? [];
  if (outputs.length > 0) {
    header.outputs = outputs.map((o) => ({ name: o.name, parameters: { ...parametersToJson(o.parameters), [BINARY_DATA]: true } }));
  } else {
    parameters.binary_data_output = true;
  }
  header.parameters = parameters;
  const json = Buffer.from(JSON.stringify(header));
  return {
    method: 'POST',
    url: modelUrl(request.model_name, request.model_version, '/infer'),
    headers: { ...headers, 'content-type': 'application/octet-stream', [BINARY_HEADER]: String(json.length) },
    payload: Buffer.concat([json, ...chunks]),
  };
}
