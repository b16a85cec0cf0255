import { ERROR_CODES, type ErrorCode, isErrorCode } from './codes.js';

/** What an error looks like on the wire: OIP's `{ error }` body plus a stable `code`. */
export interface SerializedError {
  error: string;
  code: ErrorCode;
  details?: Record<string, unknown>;
}

export interface SplitflowErrorOptions {
  message?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Seconds after which a retry may succeed (429/503). */
  retryAfterS?: number;
}

/**
 * The one error class of Splitflow. Rebuild it on the far side of any boundary with
 * `SplitflowError.from(body)`; test it with `isSplitflowError(e, code)` since `instanceof` fails
 * across realms (Worker, iframe, duplicated bundles).
 */
export class SplitflowError extends Error {
  override readonly name = 'SplitflowError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, options: SplitflowErrorOptions = {}) {
    super(options.message ?? ERROR_CODES[code].summary, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
    this.retryAfterS = options.retryAfterS;
  }

  toJSON(): SerializedError {
    const body: SerializedError = { error: this.message, code: this.code };
    if (Object.keys(this.details).length > 0) body.details = this.details;
    return body;
  }

  /**
   * Rebuilds an error from a wire body. An unknown or missing code becomes `fallback` (so a plain OIP
   * server's `{ error }` still turns into a typed error), keeping the original message.
   */
  static from(body: unknown, fallback: ErrorCode = 'INTERNAL'): SplitflowError {
    if (isSplitflowError(body)) return body;
    if (typeof body === 'object' && body !== null) {
      const record = body as Record<string, unknown>;
      const message = typeof record.error === 'string' ? record.error : typeof record.message === 'string' ? record.message : undefined;
      const code = isErrorCode(record.code) ? record.code : fallback;
      const details = typeof record.details === 'object' && record.details !== null ? (record.details as Record<string, unknown>) : undefined;
      return new SplitflowError(code, { message, details });
    }
    if (typeof body === 'string') return new SplitflowError(fallback, { message: body });
    return new SplitflowError(fallback);
  }
}

/** True for a SplitflowError from any realm, optionally of the given code. */
export function isSplitflowError(value: unknown, code?: ErrorCode): value is SplitflowError {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.name !== 'SplitflowError' || !isErrorCode(record.code)) return false;
  return code === undefined || record.code === code;
}

/** The error code an HTTP status maps to when a server gave no code of its own. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 400) return 'INVALID_REQUEST';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'MODEL_NOT_FOUND';
  if (status === 408) return 'REQUEST_TIMEOUT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 414) return 'URI_TOO_LONG';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 431) return 'HEADERS_TOO_LARGE';
  if (status === 503) return 'OVERLOADED';
  if (status === 504) return 'TIMEOUT';
  if (status >= 500) return 'UPSTREAM_FAILED';
  return 'INVALID_REQUEST';
}
