import { isSplitflowError, SplitflowError } from '@splitflow/contract';

/** Fastify's own errors (body parsing, limits) as the codes OIP clients of Splitflow expect. */
const FASTIFY_CODES: Record<string, (e: Error) => SplitflowError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (e) => new SplitflowError('PAYLOAD_TOO_LARGE', { message: e.message }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new SplitflowError('UNSUPPORTED_MEDIA_TYPE', { message: 'send application/json, or application/octet-stream with the binary tensor extension' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (e) => new SplitflowError('INVALID_REQUEST', { message: e.message }),
  FST_ERR_CTP_EMPTY_JSON_BODY: (e) => new SplitflowError('INVALID_REQUEST', { message: e.message }),
  FST_ERR_CTP_INVALID_JSON_BODY: (e) => new SplitflowError('INVALID_REQUEST', { message: e.message }),
};

export function asSplitflowError(error: unknown): SplitflowError {
  if (isSplitflowError(error)) return error;
  const e = error as Error & { code?: string; statusCode?: number };
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return mapped(e);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new SplitflowError('INVALID_REQUEST', { message: e.message });
  return new SplitflowError('INTERNAL', { message: 'internal error', cause: error });
}
