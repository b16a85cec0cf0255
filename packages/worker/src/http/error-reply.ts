import { isSplitflowError, SplitflowError } from '@splitflow/contract';

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/** Any thrown value as a SplitflowError: fastify's own errors (body limit, media type) get their codes here. */
export function asSplitflowError(error: unknown): SplitflowError {
  // A SplitflowError from another realm (or a duplicated bundle) is rebuilt from its wire form.
  if (isSplitflowError(error)) return error instanceof SplitflowError ? error : SplitflowError.from((error as { toJSON(): unknown }).toJSON());
  const e = (typeof error === 'object' && error !== null ? error : {}) as FrameworkError;
  const message = e.message ?? String(error);
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413)
    return new SplitflowError('PAYLOAD_TOO_LARGE', { message: `request body is over the limit: ${message}` });
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415) return new SplitflowError('UNSUPPORTED_MEDIA_TYPE', { message });
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new SplitflowError('INVALID_REQUEST', { message });
  return new SplitflowError('INTERNAL', { message: `unexpected fault: ${message}`, cause: error });
}
