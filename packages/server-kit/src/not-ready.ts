import { NOT_READY_HEADER, NOT_READY_STATUS, type SplitflowError } from '@splitflow/contract';
import type { FastifyReply } from 'fastify';

/** A not-ready health answer as OIP v2 has it: a 4xx with an empty body; the reason's code rides in a header. */
export function notReady(reply: FastifyReply, reason: SplitflowError): FastifyReply {
  reply.header(NOT_READY_HEADER, reason.code);
  if (reason.retryAfterS !== undefined) reply.header('retry-after', String(reason.retryAfterS));
  return reply.code(NOT_READY_STATUS).send();
}
