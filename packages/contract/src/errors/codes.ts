/**
 * The one table of Splitflow error codes. Every error that crosses a boundary (Worker message, HTTP
 * response) carries one of these codes; the status and retryability come from here, never from the
 * throw site. `docs/errors.md` lists the same table and a test keeps the two in step.
 */
export const ERROR_CODES = {
  INVALID_DOCUMENT: { status: 400, retryable: false, summary: 'A document (manifest, catalog, config, profile) does not match its schema.' },
  INVALID_REQUEST: { status: 400, retryable: false, summary: 'The request is malformed: bad JSON, missing fields, bad parameters.' },
  INVALID_TENSOR: { status: 400, retryable: false, summary: "A tensor does not match its declared datatype, shape or the model's inputs." },
  INPUT_REJECTED: {
    status: 400,
    retryable: false,
    summary: "The runtime refused the request's input values (e.g. an index out of range); the request, not the server, is at fault.",
  },
  UNAUTHORIZED: { status: 401, retryable: false, summary: 'No API key, or an unknown one.' },
  FORBIDDEN: { status: 403, retryable: false, summary: 'The caller may not use this model or route.' },
  MODEL_NOT_FOUND: { status: 404, retryable: false, summary: 'No model (or version) of that name is served here.' },
  NOT_FOUND: { status: 404, retryable: false, summary: 'No such route or resource (e.g. an unknown async job).' },
  REQUEST_TIMEOUT: { status: 408, retryable: true, summary: "The request's headers or body did not arrive within the server's timeout." },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, summary: 'The request body is over the configured size limit.' },
  URI_TOO_LONG: { status: 414, retryable: false, summary: 'The URL, or one of its path parameters (a model name), is over the limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, summary: 'The request body is in an encoding the server does not accept.' },
  HEADERS_TOO_LARGE: { status: 431, retryable: false, summary: "The request's headers are over the server's size limit." },
  RATE_LIMITED: { status: 429, retryable: true, summary: 'The tenant is over its rate or concurrency quota; retry after Retry-After.' },
  DEADLINE_UNMEETABLE: { status: 429, retryable: true, summary: "No pool can meet the request's deadline now; retry after Retry-After or relax the deadline." },
  MODEL_INTEGRITY: { status: 500, retryable: false, summary: "A model file's size or SHA-256 does not match its manifest; it is refused." },
  MODEL_LOAD_FAILED: { status: 500, retryable: false, summary: 'The runtime could not create a session for the model.' },
  INFERENCE_FAILED: { status: 500, retryable: true, summary: 'The runtime failed while running the model.' },
  INTERNAL: { status: 500, retryable: false, summary: 'An unexpected fault; the message says where.' },
  UPSTREAM_FAILED: { status: 502, retryable: true, summary: 'The pool endpoint answered with an error or broke the connection.' },
  MODEL_NOT_READY: { status: 503, retryable: true, summary: 'The model is known but not loaded (yet).' },
  OVERLOADED: { status: 503, retryable: true, summary: 'A bounded queue is full; retry after Retry-After.' },
  NO_CAPACITY: { status: 503, retryable: true, summary: 'No healthy pool serves the model.' },
  SHUTTING_DOWN: { status: 503, retryable: true, summary: 'The server is draining and takes no new work.' },
  TIMEOUT: { status: 504, retryable: true, summary: 'The deadline passed before an answer came.' },
  NETWORK: { status: 0, retryable: true, summary: 'The network failed before any HTTP answer (client side only).' },
  OFFLINE: { status: 0, retryable: false, summary: 'The device is offline and the route needs the network (client side only).' },
  PROVIDER_UNAVAILABLE: { status: 500, retryable: false, summary: 'The requested execution provider or backend is not available here.' },
  LOCAL_UNAVAILABLE: { status: 0, retryable: false, summary: 'The model cannot run on this device (too large, no backend, policy).' },
  ALL_ROUTES_FAILED: { status: 0, retryable: false, summary: 'Every route tried failed; the error lists each reason.' },
  ABORTED: { status: 0, retryable: false, summary: 'The caller aborted the request.' },
  DISPOSED: { status: 0, retryable: false, summary: 'The client or runtime was disposed.' },
} as const satisfies Record<string, { status: number; retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
