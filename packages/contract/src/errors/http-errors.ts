import { isSplitflowError, SplitflowError } from './splitflow-error.js';

/**
 * Failures that an HTTP server meets before any route runs (Node's parser, fastify's router and body
 * readers), each as the SplitflowError its answer carries. Servers of every language read the same
 * `{error, code}` body whatever part of the stack refused the request. Pure: keys are the error codes
 * Node and fastify put on their errors, so no server library is imported here.
 */
const BY_CODE: Record<string, (message: string) => SplitflowError> = {
  // fastify
  FST_ERR_CTP_BODY_TOO_LARGE: (m) => new SplitflowError('PAYLOAD_TOO_LARGE', { message: `the request body is over the limit: ${m}` }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new SplitflowError('UNSUPPORTED_MEDIA_TYPE', { message: 'send application/json, or application/octet-stream with the binary tensor extension' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (m) => new SplitflowError('INVALID_REQUEST', { message: m }),
  FST_ERR_CTP_EMPTY_JSON_BODY: (m) => new SplitflowError('INVALID_REQUEST', { message: m }),
  FST_ERR_CTP_INVALID_JSON_BODY: (m) => new SplitflowError('INVALID_REQUEST', { message: m }),
  FST_ERR_BAD_URL: () => new SplitflowError('INVALID_REQUEST', { message: 'the URL has a malformed percent-encoding' }),
  FST_ERR_MAX_PARAM_LENGTH: () => new SplitflowError('URI_TOO_LONG', { message: 'a path parameter (a model name or version) is over the length limit' }),
  FST_ERR_ASYNC_CONSTRAINT: () => new SplitflowError('INVALID_REQUEST', { message: 'the request matches no route constraint' }),
  // Node's HTTP server (clientError)
  ERR_HTTP_REQUEST_TIMEOUT: () => new SplitflowError('REQUEST_TIMEOUT', { message: "the request's headers or body did not arrive in time" }),
  HPE_HEADER_OVERFLOW: () => new SplitflowError('HEADERS_TOO_LARGE', { message: "the request's headers are over the size limit" }),
  HPE_URI_TOO_LONG: () => new SplitflowError('URI_TOO_LONG', { message: 'the URL is over the length limit' }),
};

/**
 * Any value thrown while serving, as a SplitflowError: our own errors as they are, the server
 * stack's known failures by their codes, any other 4xx as INVALID_REQUEST (with the framework's
 * message), and everything else as INTERNAL without the original message (it may name internals).
 */
export function httpErrorOf(error: unknown): SplitflowError {
  if (isSplitflowError(error)) return error instanceof SplitflowError ? error : SplitflowError.from((error as { toJSON(): unknown }).toJSON());
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const byCode = typeof e.code === 'string' ? BY_CODE[e.code] : undefined;
  if (byCode) return byCode(message);
  // Node's parser (llhttp) errors: malformed framing of any kind is the client's fault.
  if (typeof e.code === 'string' && e.code.startsWith('HPE_')) return new SplitflowError('INVALID_REQUEST', { message: `malformed HTTP request (${e.code})` });
  if (typeof e.statusCode === 'number') {
    if (e.statusCode === 413) return BY_CODE.FST_ERR_CTP_BODY_TOO_LARGE?.(message) as SplitflowError;
    if (e.statusCode === 415) return BY_CODE.FST_ERR_CTP_INVALID_MEDIA_TYPE?.(message) as SplitflowError;
    if (e.statusCode >= 400 && e.statusCode < 500) return new SplitflowError('INVALID_REQUEST', { message });
  }
  return new SplitflowError('INTERNAL', { message: 'internal error', cause: error });
}

/**
 * A whole HTTP/1.1 answer for a connection the server gives up on before routing (bad framing, headers
 * too large, too slow), written straight to the socket: the stable JSON body, and `Connection: close`
 * since the rest of the stream cannot be trusted.
 */
export function rawErrorResponse(error: SplitflowError): string {
  const body = JSON.stringify(error.toJSON());
  const bytes = new TextEncoder().encode(body).length;
  const reason = REASONS[error.status] ?? 'Error';
  return `HTTP/1.1 ${error.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n${body}`;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};
