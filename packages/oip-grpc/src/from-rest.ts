import {
  BINARY_DATA_SIZE,
  BINARY_HEADER,
  type Datatype,
  isDatatype,
  type Parameters,
  SplitflowError,
  tensorFromJson,
  tensorToBytes,
} from '@splitflow/contract';
import { checkedTensor } from './checked-tensor.js';
import { parseExact } from './exact-json.js';
import type { InferParameter, ModelInferResponse, ModelMetadataResponse, ParameterMap } from './messages.js';

/** What the server's REST routes answered (fastify's `inject()` response has these fields). */
export interface RestResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  rawPayload: Buffer;
}

/** A REST error answer read back: its stable code, message and Retry-After. */
export interface RestFailure {
  status: number;
  code?: string;
  message: string;
  retryAfter?: string;
}

export function header(res: RestResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
}

/** The `{error, code}` body of a failed REST answer; health answers carry their reason in a header instead. */
export function failureOf(res: RestResponse): RestFailure {
  const failure: RestFailure = { status: res.statusCode, message: `HTTP ${res.statusCode}` };
  const retryAfter = header(res, 'retry-after');
  if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  try {
    const body = JSON.parse(res.rawPayload.toString('utf8')) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') failure.message = body.error;
    if (typeof body.code === 'string') failure.code = body.code;
  } catch {
    // Not our error body (an empty one, or a framework's text): the status alone says what happened.
  }
  return failure;
}

/** A JSON parameter as an InferParameter: integers as int64, other numbers as double. */
export function parameterFromJson(value: unknown): InferParameter | undefined {
  switch (typeof value) {
    case 'boolean':
      return { bool_param: value };
    case 'string':
      return { string_param: value };
    case 'number':
      return Number.isSafeInteger(value) ? { int64_param: String(value) } : { double_param: value };
    default:
      return undefined;
  }
}

export function parametersFromJson(params: unknown, skip?: string): ParameterMap {
  const map: ParameterMap = {};
  if (typeof params !== 'object' || params === null) return map;
  for (const [k, v] of Object.entries(params)) {
    if (k === skip) continue;
    const p = parameterFromJson(v);
    if (p !== undefined) map[k] = p;
  }
  return map;
}

interface RestOutput {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Parameters;
  data?: unknown;
}

function flat(data: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const d of data) flat(d, out);
  else out.push(data);
  return out;
}

/**
 * A JSON output as raw bytes. INT64 and UINT64 values come as numbers or, past 2^53, as the decimal
 * text `parseExact` kept; both are read exactly. A pool's malformed output is the pool's fault.
 */
function jsonOutputBytes(o: RestOutput): Uint8Array {
  try {
    if (o.datatype === 'INT64' || o.datatype === 'UINT64') {
      const values = flat(o.data).map((v) => BigInt(v as string | number));
      const data = o.datatype === 'INT64' ? BigInt64Array.from(values) : BigUint64Array.from(values);
      return tensorToBytes(checkedTensor(o.datatype, o.shape, data, o.name));
    }
    // Other numbers past 2^53 that parseExact kept as text (a float written without a point) are numbers again.
    const data = o.datatype === 'BYTES' ? o.data : flat(o.data).map((v) => (typeof v === 'string' ? Number(v) : v));
    return tensorToBytes(tensorFromJson(o.datatype as Datatype, o.shape, data, o.name));
  } catch (error) {
    throw new SplitflowError('UPSTREAM_FAILED', { message: `output "${o.name}" of the answer cannot be read: ${(error as Error).message}` });
  }
}

/**
 * A REST inference answer as a ModelInferResponse. Every output goes in raw_output_contents (the spec
 * allows raw for all outputs or for none): binary ones as they came, JSON ones (from a pool that
 * ignored the request for binary) written as the same raw bytes.
 */
export function inferFromRest(res: RestResponse): ModelInferResponse {
  let parsed: { header: unknown; binary: Uint8Array };
  try {
    const length = header(res, BINARY_HEADER);
    const cut = length === undefined ? res.rawPayload.length : Number(length);
    if (!Number.isSafeInteger(cut) || cut < 0 || cut > res.rawPayload.length) throw new Error(`${BINARY_HEADER} ${length} does not fit the body`);
    parsed = { header: parseExact(res.rawPayload.subarray(0, cut).toString('utf8')), binary: res.rawPayload.subarray(cut) };
  } catch (error) {
    throw new SplitflowError('UPSTREAM_FAILED', { message: `the inference answer is not an OIP response: ${(error as Error).message}` });
  }
  const body = parsed.header as { model_name?: string; model_version?: string; id?: string; parameters?: Parameters; outputs?: RestOutput[] };
  const raw: Uint8Array[] = [];
  let offset = 0;
  const outputs = (body.outputs ?? []).map((o) => {
    const size = o.parameters?.[BINARY_DATA_SIZE];
    if (typeof size === 'number') {
      raw.push(parsed.binary.subarray(offset, offset + size));
      offset += size;
    } else if (isDatatype(o.datatype)) {
      raw.push(jsonOutputBytes(o));
    } else {
      throw new SplitflowError('UPSTREAM_FAILED', { message: `output "${o.name}" has unknown datatype ${JSON.stringify(o.datatype)}` });
    }
    return { name: o.name, datatype: o.datatype, shape: o.shape, parameters: parametersFromJson(o.parameters, BINARY_DATA_SIZE) };
  });
  return {
    model_name: body.model_name ?? '',
    model_version: body.model_version ?? '',
    id: body.id ?? '',
    parameters: parametersFromJson(body.parameters),
    outputs,
    raw_output_contents: raw,
  };
}

export function modelMetadataFromRest(res: RestResponse): ModelMetadataResponse {
  const m = JSON.parse(res.rawPayload.toString('utf8')) as Partial<ModelMetadataResponse> & { properties?: Record<string, unknown> };
  const tensor = (t: { name: string; datatype: string; shape: number[] }) => ({ name: t.name, datatype: t.datatype, shape: t.shape });
  return {
    name: m.name ?? '',
    versions: m.versions ?? [],
    platform: m.platform ?? '',
    inputs: (m.inputs ?? []).map(tensor),
    outputs: (m.outputs ?? []).map(tensor),
    properties: Object.fromEntries(Object.entries(m.properties ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
  };
}
