import { httpErrorOf, SplitflowError } from '@splitflow/contract';
import type { FastifyReply } from 'fastify';

/** The content type of every `{error, code}` body. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** Any thrown value as a SplitflowError: fastify's and Node's own errors get their codes from the contract's one table. */
export function asSplitflowError(error: unknown): SplitflowError {
  return httpErrorOf(error);
}

/** Answers with the failure's status and `{error, code}` body, and its Retry-After when waiting can help. */
export function replyWithError(reply: FastifyReply, failure: SplitflowError): FastifyReply {
  if (failure.retryAfterS !== undefined) reply.header('retry-after', String(failure.retryAfterS));
  return reply.code(failure.status).type(JSON_TYPE).send(JSON.stringify(failure.toJSON()));
}

/** The NOT_FOUND for a request no route takes; the query is left out, since it may carry secrets. */
export function routeNotFound(request: { method: string; url: string }): SplitflowError {
  return new SplitflowError('NOT_FOUND', { message: `no route ${request.method} ${request.url.split('?')[0]}` });
}
