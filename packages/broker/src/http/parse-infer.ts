import {
  BINARY_DATA_SIZE,
  BINARY_HEADER,
  bindInputs,
  compileValidator,
  type DimBinding,
  InferenceRequest,
  type ModelManifest,
  PRIORITIES,
  type Priority,
  responseBytes,
  SPLITFLOW_PARAMS,
  SplitflowError,
  splitBody,
  type WorkEstimate,
  workOf,
} from '@splitflow/contract';
import { headOf, type RequestBody } from './request-body.js';
import { checkTensorSizes } from './tensor-sizes.js';

/** Largest JSON part of a request by default: parsing holds the event loop in proportion to its size. */
export const DEFAULT_MAX_JSON_BYTES = 8 * 1024 * 1024;

/** Refuses a JSON part over the limit before it is parsed. */
function checkJsonSize(body: RequestBody, headerLength: string | undefined, limit: number): void {
  const declared = headerLength !== undefined && /^\d+$/.test(headerLength) ? Number(headerLength) : body.length;
  const json = Math.min(declared, body.length);
  if (json > limit) {
    throw new SplitflowError('PAYLOAD_TOO_LARGE', {
      message: `the request's JSON is ${json} bytes, over the limit of ${limit}; send large tensors in the binary extension`,
      details: { jsonBytes: json, limit },
    });
  }
}

export const MODES = ['sync', 'async'] as const;
export type Mode = (typeof MODES)[number];

/** What the broker reads from a request before placing it; the tensors' bytes stay untouched. */
export interface ParsedInfer {
  request: InferenceRequest;
  dims: DimBinding;
  work: WorkEstimate;
  /** Expected bytes of the answer (the contract's estimate, as the SDK's router makes it): the scheduler's transfer term adds them to the request's. */
  responseBytes: number;
  batch: number;
  priority: Priority;
  mode: Mode;
  deadlineMs: number;
  /** The client named the deadline (missing it is refused) rather than getting the default. */
  hardDeadline: boolean;
}

const checkRequest = compileValidator(InferenceRequest, 'inference request', 'INVALID_REQUEST');

const invalid = (message: string) => new SplitflowError('INVALID_REQUEST', { message });

/**
 * The JSON header of a body in chunks and how many bytes of binary data follow it. Only the header's
 * bytes are looked at (joined if they span chunks); the contract's `splitBody` checks the header
 * length against the body's and parses the JSON.
 */
function splitRequest(body: RequestBody, headerLength: string | undefined): { header: unknown; binaryLength: number } {
  if (headerLength === undefined || headerLength === '' || body.chunks.length === 1) {
    const { header, binary } = splitBody(headOf(body, body.length), headerLength);
    return { header, binaryLength: binary.length };
  }
  const n = /^\d+$/.test(headerLength) ? Number(headerLength) : Number.NaN;
  // Not a number: splitBody's own message for it.
  if (!Number.isSafeInteger(n)) splitBody(headOf(body, 0), headerLength);
  if (n > body.length) throw invalid(`${BINARY_HEADER} is ${n} but the body has only ${body.length} bytes`);
  const { header } = splitBody(headOf(body, n), n);
  return { header, binaryLength: body.length - n };
}

/**
 * Checks an OIP request against the model's manifest without decoding tensor data: the body's JSON
 * header, Splitflow's parameters, the binary extension's sizes, and the inputs' names, datatypes and
 * shapes (`bindInputs`). The worker decodes the data itself, so the broker pays nothing per element.
 */
export function parseInfer(
  manifest: ModelManifest,
  body: RequestBody,
  headerLength: string | undefined,
  defaultDeadlineMs: number,
  maxJsonBytes = DEFAULT_MAX_JSON_BYTES,
): ParsedInfer {
  if (body.length === 0) throw invalid('the request has no body; expected an OIP inference request');
  checkJsonSize(body, headerLength, maxJsonBytes);
  const { header, binaryLength } = splitRequest(body, headerLength);
  const request = checkRequest(header);
  const p = request.parameters ?? {};

  const deadline = p[SPLITFLOW_PARAMS.deadlineMs];
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isFinite(deadline) || deadline <= 0)) {
    throw invalid(`parameters["${SPLITFLOW_PARAMS.deadlineMs}"] must be a number of milliseconds > 0, got ${JSON.stringify(deadline)}`);
  }
  const priority = p[SPLITFLOW_PARAMS.priority] ?? 'interactive';
  if (!PRIORITIES.includes(priority as Priority)) {
    throw invalid(`parameters["${SPLITFLOW_PARAMS.priority}"] must be one of ${PRIORITIES.join(', ')}, got ${JSON.stringify(priority)}`);
  }
  const mode = p[SPLITFLOW_PARAMS.mode] ?? 'sync';
  if (!MODES.includes(mode as Mode)) throw invalid(`parameters["${SPLITFLOW_PARAMS.mode}"] must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);

  let binaryBytes = 0;
  request.inputs.forEach((input, i) => {
    const size = input.parameters?.[BINARY_DATA_SIZE];
    if (size === undefined) {
      if (input.data === undefined) throw invalid(`inputs[${i}] "${input.name}": has neither data nor ${BINARY_DATA_SIZE}`);
      return;
    }
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      throw invalid(`inputs[${i}] "${input.name}": ${BINARY_DATA_SIZE} must be a non-negative integer`);
    if (input.data !== undefined) throw invalid(`inputs[${i}] "${input.name}": has both data and ${BINARY_DATA_SIZE}`);
    binaryBytes += size;
  });
  if (binaryBytes !== binaryLength) {
    throw invalid(`the inputs claim ${binaryBytes} bytes of binary data but the body carries ${binaryLength}`);
  }

  const dims = bindInputs(manifest, request.inputs);
  checkTensorSizes(request.inputs);
  for (const output of request.outputs ?? []) {
    if (!manifest.outputs.some((o) => o.name === output.name)) {
      const known = manifest.outputs.map((o) => o.name);
      throw invalid(`model "${manifest.id}" has no output "${output.name}"; it has ${known.map((n) => `"${n}"`).join(', ')}`);
    }
  }
  const batch = manifest.batchDim !== undefined ? (dims[manifest.batchDim] ?? 1) : 1;
  return {
    request,
    dims,
    work: workOf(manifest, dims),
    responseBytes: responseBytes(manifest, dims),
    batch,
    priority: priority as Priority,
    mode: mode as Mode,
    deadlineMs: (deadline as number | undefined) ?? defaultDeadlineMs,
    hardDeadline: deadline !== undefined,
  };
}
