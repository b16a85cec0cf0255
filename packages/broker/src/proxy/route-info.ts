import { BINARY_CONTENT_TYPE, BINARY_HEADER, readLoadHeaders, SPLITFLOW_PARAMS, SplitflowError } from '@splitflow/contract';
import { type HeaderLayout, parametersOf, scanHeader, spliceParameters } from './splice-parameters.js';
import type { UpstreamResponse } from './upstream.js';

/** What the endpoint said about its own load and timing, from its headers or, failing those, its parameters. */
export interface UpstreamReport {
  queueUs?: number;
  computeUs?: number;
  queueDepth?: number;
  /** Rows in the run that answered. */
  batchSize?: number;
  /** Requests waiting in the queue of the model that answered. */
  modelQueueDepth?: number;
  /** Time the request waited for its model to load at the endpoint. */
  loadUs?: number;
  /** The models in memory at the endpoint, where it says. */
  loadedModels?: string[];
}

// Module-level helpers rather than closures made per call: these run on every proxied answer.
function header(res: UpstreamResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A finite, non-negative number, else undefined. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** An inference response opened up: where its JSON header's parameters lie, the binary part, and the endpoint's report. */
export interface OpenedResponse {
  /** The JSON header as the endpoint wrote it, scanned: the answer the client gets is made from these bytes. */
  layout: HeaderLayout;
  binary: Uint8Array;
  report: UpstreamReport;
}

function notOip(message: string): SplitflowError {
  return new SplitflowError('UPSTREAM_FAILED', { message: `the endpoint's answer is not an OIP response: ${message}` });
}

/** Opens an answer without parsing its tensor data: the header is scanned, only its `parameters` are parsed. */
export function openResponse(res: UpstreamResponse): OpenedResponse {
  const length = header(res, BINARY_HEADER);
  let cut = res.body.length;
  if (length !== undefined && length !== '') {
    cut = /^\d+$/.test(length) ? Number(length) : Number.NaN;
    if (!Number.isSafeInteger(cut) || cut > res.body.length)
      throw notOip(`${BINARY_HEADER} is ${JSON.stringify(length)} for a body of ${res.body.length} bytes`);
  }
  const layout = scanHeader(res.body.subarray(0, cut));
  const headers = res.headers;
  const load = readLoadHeaders((name) => headers[name]);
  const p = parametersOf(layout);
  const report: UpstreamReport = {};
  const queueUs = load.queueUs ?? count(p[SPLITFLOW_PARAMS.queueUs]);
  const computeUs = load.computeUs ?? count(p[SPLITFLOW_PARAMS.computeUs]);
  const queueDepth = load.queueDepth ?? count(p[SPLITFLOW_PARAMS.queueDepth]);
  if (queueUs !== undefined) report.queueUs = queueUs;
  if (computeUs !== undefined) report.computeUs = computeUs;
  if (queueDepth !== undefined) report.queueDepth = queueDepth;
  const batchSize = load.batchSize ?? count(p[SPLITFLOW_PARAMS.batchSize]);
  if (batchSize !== undefined) report.batchSize = batchSize;
  const modelQueueDepth = load.modelQueueDepth ?? count(p[SPLITFLOW_PARAMS.modelQueueDepth]);
  if (modelQueueDepth !== undefined) report.modelQueueDepth = modelQueueDepth;
  if (load.loadUs !== undefined) report.loadUs = load.loadUs;
  if (load.loadedModels !== undefined) report.loadedModels = load.loadedModels;
  return { layout, binary: res.body.subarray(cut), report };
}

/**
 * The response with route fields added to its parameters. The header's text is edited, not re-encoded,
 * so tensor data (INT64 past 2^53, float spellings) and the binary part pass byte for byte.
 */
export function withRoute(
  opened: OpenedResponse,
  route: Record<string, string | number | boolean>,
): { body: Buffer; contentType: string; headerLength?: string } {
  const json = spliceParameters(opened.layout, route);
  if (opened.binary.length === 0) return { body: json, contentType: 'application/json' };
  return { body: Buffer.concat([json, opened.binary]), contentType: BINARY_CONTENT_TYPE, headerLength: String(json.length) };
}
