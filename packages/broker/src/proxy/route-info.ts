import { BINARY_CONTENT_TYPE, BINARY_HEADER, type Parameters, readLoadHeaders, SPLITFLOW_PARAMS, SplitflowError, splitBody } from '@splitflow/contract';
import { spliceParameters } from './splice-parameters.js';
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

/** An inference response opened up: its JSON header, the binary part, and the endpoint's report. */
export interface OpenedResponse {
  header: Record<string, unknown> & { parameters?: Parameters };
  /** The JSON header as the endpoint wrote it: the answer the client gets is made from these bytes. */
  headerBytes: Uint8Array;
  binary: Uint8Array;
  report: UpstreamReport;
}

export function openResponse(res: UpstreamResponse): OpenedResponse {
  let parsed: { header: unknown; binary: Uint8Array };
  try {
    parsed = splitBody(res.body, header(res, BINARY_HEADER));
  } catch (error) {
    throw new SplitflowError('UPSTREAM_FAILED', { message: `the endpoint's answer is not an OIP response: ${(error as Error).message}` });
  }
  if (typeof parsed.header !== 'object' || parsed.header === null || Array.isArray(parsed.header)) {
    throw new SplitflowError('UPSTREAM_FAILED', { message: "the endpoint's answer is not an OIP response object" });
  }
  const body = parsed.header as OpenedResponse['header'];
  const headers = res.headers;
  const load = readLoadHeaders((name) => headers[name]);
  const p = (typeof body.parameters === 'object' && body.parameters !== null ? body.parameters : {}) as Parameters;
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
  const headerBytes = res.body.subarray(0, res.body.length - parsed.binary.length);
  return { header: body, headerBytes, binary: parsed.binary, report };
}

/**
 * The response with route fields added to its parameters. The header's text is edited, not re-encoded,
 * so tensor data (INT64 past 2^53, float spellings) and the binary part pass byte for byte.
 */
export function withRoute(
  opened: OpenedResponse,
  route: Record<string, string | number | boolean>,
): { body: Buffer; contentType: string; headerLength?: string } {
  const json = spliceParameters(opened.headerBytes, route);
  if (opened.binary.length === 0) return { body: json, contentType: 'application/json' };
  return { body: Buffer.concat([json, opened.binary]), contentType: BINARY_CONTENT_TYPE, headerLength: String(json.length) };
}
