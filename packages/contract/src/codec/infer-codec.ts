import { SplitflowError } from '../errors/splitflow-error.js';
import { isInferenceRequest, isInferenceResponse } from '../precompiled/checks.js';
import type { InferenceRequest, InferenceResponse, Parameters, ResponseOutput } from '../schema/oip.js';
import { BINARY_CONTENT_TYPE, BINARY_DATA, BINARY_DATA_SIZE, BINARY_HEADER } from '../wire/oip-params.js';
import { isDatatype } from './datatype.js';
import { parseJson, stringifyJson } from './json-numbers.js';
import { checkTensor, type NamedTensor, tensorFromBytes, tensorFromJson, tensorToBytes, tensorToJson } from './tensor.js';

/** A body ready for fetch or a server reply, with the headers it needs. */
export interface EncodedBody {
  body: string | Uint8Array;
  headers: Record<string, string>;
}

/**
 * Which tensors travel in Triton's binary extension: `true` all, `false` none (plain OIP JSON), or a
 * byte threshold: tensors at least that large go binary. JSON cannot carry NaN or Infinity, so float
 * tensors holding them always go binary unless `false`, which then throws.
 */
export type BinaryChoice = boolean | number;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function goesBinary(tensor: NamedTensor, choice: BinaryChoice): boolean {
  if (choice === true) return true;
  if (choice === false) return false;
  return tensorToBytes(tensor).byteLength >= choice || hasNonFinite(tensor);
}

function hasNonFinite(tensor: NamedTensor): boolean {
  if (tensor.datatype !== 'FP32' && tensor.datatype !== 'FP64') return false;
  for (const v of tensor.data as Float32Array) if (!Number.isFinite(v)) return true;
  return false;
}

/** JSON header + concatenated binary chunks, with `Inference-Header-Content-Length`. */
function assemble(header: object, chunks: Uint8Array[]): EncodedBody {
  const json = stringifyJson(header);
  if (chunks.length === 0) return { body: json, headers: { 'content-type': 'application/json' } };
  const head = textEncoder.encode(json);
  const total = head.length + chunks.reduce((n, c) => n + c.length, 0);
  const body = new Uint8Array(total);
  body.set(head, 0);
  let offset = head.length;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return { body, headers: { 'content-type': BINARY_CONTENT_TYPE, [BINARY_HEADER]: String(head.length) } };
}

/** Splits a body into its JSON header and binary part; `headerLength` absent means pure JSON. */
export function splitBody(body: string | Uint8Array, headerLength?: number | string | null): { header: unknown; binary: Uint8Array } {
  const bytes = typeof body === 'string' ? textEncoder.encode(body) : body;
  let length = bytes.length;
  if (headerLength !== undefined && headerLength !== null && headerLength !== '') {
    const n = typeof headerLength === 'number' ? headerLength : /^\d+$/.test(headerLength) ? Number(headerLength) : Number.NaN;
    if (!Number.isInteger(n) || n < 0)
      throw new SplitflowError('INVALID_REQUEST', { message: `${BINARY_HEADER} must be a non-negative integer, got ${JSON.stringify(headerLength)}` });
    if (n > bytes.length) throw new SplitflowError('INVALID_REQUEST', { message: `${BINARY_HEADER} is ${n} but the body has only ${bytes.length} bytes` });
    length = n;
  }
  let header: unknown;
  try {
    // A whole-body header (plain JSON, the common case) is decoded without making a view of it first.
    header = parseJson(textDecoder.decode(length === bytes.length ? bytes : bytes.subarray(0, length)));
  } catch (error) {
    throw new SplitflowError('INVALID_REQUEST', { message: `body is not valid JSON: ${(error as Error).message}` });
  }
  return { header, binary: bytes.subarray(length) };
}

/** Reads the tensors of an OIP request or response (JSON `data` or binary chunks, in order). */
function readTensors(
  entries: readonly { name: string; datatype: string; shape: number[]; parameters?: Parameters; data?: unknown }[],
  binary: Uint8Array,
  where: string,
): NamedTensor[] {
  let offset = 0;
  const tensors = entries.map((entry, i) => {
    if (!isDatatype(entry.datatype)) {
      throw new SplitflowError('INVALID_TENSOR', { message: `${where}[${i}] "${entry.name}": unknown datatype ${JSON.stringify(entry.datatype)}` });
    }
    const size = entry.parameters?.[BINARY_DATA_SIZE];
    if (size !== undefined) {
      if (!Number.isInteger(size) || (size as number) < 0) {
        throw new SplitflowError('INVALID_REQUEST', { message: `${where}[${i}] "${entry.name}": ${BINARY_DATA_SIZE} must be a non-negative integer` });
      }
      if (entry.data !== undefined)
        throw new SplitflowError('INVALID_REQUEST', { message: `${where}[${i}] "${entry.name}": has both data and ${BINARY_DATA_SIZE}` });
      const end = offset + (size as number);
      if (end > binary.length) {
        throw new SplitflowError('INVALID_REQUEST', {
          message: `${where}[${i}] "${entry.name}": ${BINARY_DATA_SIZE} ${size} runs past the end of the binary data (${binary.length - offset} bytes left)`,
        });
      }
      const tensor = tensorFromBytes(entry.datatype, entry.shape, binary.subarray(offset, end), entry.name);
      offset = end;
      return { name: entry.name, ...tensor };
    }
    if (entry.data === undefined)
      throw new SplitflowError('INVALID_REQUEST', { message: `${where}[${i}] "${entry.name}": has neither data nor ${BINARY_DATA_SIZE}` });
    return { name: entry.name, ...tensorFromJson(entry.datatype, entry.shape, entry.data, entry.name) };
  });
  if (offset !== binary.length) {
    throw new SplitflowError('INVALID_REQUEST', { message: `binary data has ${binary.length - offset} bytes that no tensor claims` });
  }
  return tensors;
}

export interface InferRequestInit {
  id?: string;
  parameters?: Parameters;
  inputs: NamedTensor[];
  /** Outputs to return (all when absent). */
  outputs?: string[];
  /** How inputs travel. @default 65536 (tensors of 64 KiB or more go binary) */
  binary?: BinaryChoice;
  /** Ask the server for binary outputs. @default true when any input goes binary */
  binaryOutputs?: boolean;
}

export const DEFAULT_BINARY_THRESHOLD = 64 * 1024;

export function encodeInferRequest(init: InferRequestInit): EncodedBody {
  const choice = init.binary ?? DEFAULT_BINARY_THRESHOLD;
  const chunks: Uint8Array[] = [];
  const inputs = init.inputs.map((t) => {
    checkTensor(t, t.name);
    if (choice === false && hasNonFinite(t)) {
      throw new SplitflowError('INVALID_TENSOR', { message: `tensor "${t.name}": NaN or Infinity cannot travel as JSON; use the binary extension` });
    }
    if (goesBinary(t, choice)) {
      const bytes = tensorToBytes(t);
      chunks.push(bytes);
      return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { [BINARY_DATA_SIZE]: bytes.length } };
    }
    return { name: t.name, datatype: t.datatype, shape: t.shape, data: tensorToJson(t) };
  });
  const binaryOutputs = init.binaryOutputs ?? chunks.length > 0;
  const header: InferenceRequest = { inputs };
  if (init.id !== undefined) header.id = init.id;
  const parameters = { ...init.parameters };
  if (binaryOutputs && init.outputs === undefined) parameters.binary_data_output = true;
  if (Object.keys(parameters).length > 0) header.parameters = parameters;
  if (init.outputs) header.outputs = init.outputs.map((name) => (binaryOutputs ? { name, parameters: { [BINARY_DATA]: true } } : { name }));
  return assemble(header, chunks);
}

export interface DecodedInferRequest {
  request: InferenceRequest;
  inputs: NamedTensor[];
  /** Whether the client asked for this output in binary. */
  wantsBinary(output: string): boolean;
  /** Requested output names, or undefined for all. */
  outputNames: string[] | undefined;
}

export interface DecodeRequestOptions {
  /**
   * Called with the inputs' names, datatypes and shapes once the header is read and before any tensor
   * data is converted: a server checks them against its model here (throwing), so a request whose
   * shapes are wrong costs no conversion of its data.
   */
  checkShapes?(inputs: readonly { name: string; datatype: string; shape: number[] }[]): void;
}

/**
 * What a header check's error carries in `details.schema`: this module's checks are precompiled and
 * say only which schema failed; the schema-validating decoders (infer-codec-explained.ts) name the field.
 */
export const HEADER_SCHEMAS = { request: 'oip-inference-request', response: 'oip-inference-response' } as const;

/**
 * The header with each tensor's JSON `data` emptied: its structure is checked without walking the
 * data (a JSON body of millions of elements would be checked twice), which the codec checks element
 * by element while converting it. Null when `inputs` is not an array.
 */
export function lightRequestHeader(header: unknown): { light: unknown; data: (unknown[] | undefined)[] } | null {
  const inputs = (header as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs)) return null;
  const data = inputs.map((input) =>
    typeof input === 'object' && input !== null && Array.isArray((input as { data?: unknown }).data) ? (input as { data: unknown[] }).data : undefined,
  );
  return { light: { ...(header as object), inputs: inputs.map((input, i) => (data[i] === undefined ? input : { ...(input as object), data: [] })) }, data };
}

function validateRequestHeader(header: unknown): InferenceRequest {
  const parts = lightRequestHeader(header);
  if (parts === null || !isInferenceRequest(parts.light)) {
    throw new SplitflowError('INVALID_REQUEST', {
      message:
        'invalid inference request: the JSON header is not an OIP v2 inference request (`inputs`: an array of { name, shape, datatype } with `data` or `parameters.binary_data_size`)',
      details: { schema: HEADER_SCHEMAS.request },
    });
  }
  const request = parts.light;
  request.inputs.forEach((input, i) => {
    if (parts.data[i] !== undefined) input.data = parts.data[i] as typeof input.data;
  });
  return request;
}

export function decodeInferRequest(body: string | Uint8Array, headerLength?: number | string | null, options: DecodeRequestOptions = {}): DecodedInferRequest {
  const { header, binary } = splitBody(body, headerLength);
  const request = validateRequestHeader(header);
  options.checkShapes?.(request.inputs);
  const inputs = readTensors(request.inputs, binary, 'inputs');
  const allBinary = request.parameters?.binary_data_output === true;
  const perOutput = new Map((request.outputs ?? []).map((o) => [o.name, o.parameters?.[BINARY_DATA] === true]));
  return {
    request,
    inputs,
    outputNames: request.outputs?.map((o) => o.name),
    wantsBinary: (name) => perOutput.get(name) ?? allBinary,
  };
}

export interface InferResponseInit {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: NamedTensor[];
  /** Which outputs go binary. @default none */
  binary?: (name: string) => boolean;
}

export function encodeInferResponse(init: InferResponseInit): EncodedBody {
  const chunks: Uint8Array[] = [];
  const outputs: ResponseOutput[] = init.outputs.map((t) => {
    // NaN and Infinity have no JSON form: such outputs go binary when the client reads binary at all.
    if (init.binary?.(t.name) || (init.binary !== undefined && hasNonFinite(t))) {
      const bytes = tensorToBytes(t);
      chunks.push(bytes);
      return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { [BINARY_DATA_SIZE]: bytes.length } };
    }
    // JSON.stringify writes NaN/Infinity as null; keep that visible rather than failing the request.
    return { name: t.name, datatype: t.datatype, shape: t.shape, data: tensorToJson(t) };
  });
  const header: InferenceResponse = { model_name: init.model_name, outputs };
  if (init.model_version !== undefined) header.model_version = init.model_version;
  if (init.id !== undefined) header.id = init.id;
  if (init.parameters !== undefined) header.parameters = init.parameters;
  return assemble(header, chunks);
}

export interface DecodedInferResponse {
  response: InferenceResponse;
  outputs: NamedTensor[];
}

export function decodeInferResponse(body: string | Uint8Array, headerLength?: number | string | null): DecodedInferResponse {
  const { header, binary } = splitBody(body, headerLength);
  if (!isInferenceResponse(header)) {
    throw new SplitflowError('UPSTREAM_FAILED', {
      message:
        'invalid inference response: the JSON header is not an OIP v2 inference response (`model_name`, and `outputs`: an array of { name, shape, datatype })',
      details: { schema: HEADER_SCHEMAS.response },
    });
  }
  const response = header;
  // JSON null stands for a NaN the server could not write; read it back as NaN for float outputs.
  const entries = response.outputs.map((o) =>
    Array.isArray(o.data) && (o.datatype === 'FP32' || o.datatype === 'FP64' || o.datatype === 'FP16')
      ? { ...o, data: (o.data as unknown[]).map((v) => (v === null ? Number.NaN : v)) }
      : o,
  );
  return { response, outputs: readTensors(entries, binary, 'outputs') };
}
