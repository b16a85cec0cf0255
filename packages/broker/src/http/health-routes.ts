import { NOT_READY_HEADER, NOT_READY_STATUS, type ServerMetadata, type SplitflowError } from '@splitflow/contract';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** A not-ready health answer as OIP v2 has it: a 4xx with an empty body; the reason's code rides in a header. */
export function notReady(reply: FastifyReply, reason: SplitflowError): FastifyReply {
  reply.header(NOT_READY_HEADER, reason.code);
  if (reason.retryAfterS !== undefined) reply.header('retry-after', String(reason.retryAfterS));
  return reply.code(NOT_READY_STATUS).send();
}

export interface ServerRoutesOptions {
  metadata: ServerMetadata;
  /** Why the broker cannot take inference now, or undefined when it can. */
  notReadyReason(): SplitflowError | undefined;
}

/** `GET /v2` (and `/v2/`, the spec's path), `/v2/health/live` and `/v2/health/ready`, as the worker answers them. */
export function registerServerRoutes(app: FastifyInstance, options: ServerRoutesOptions): void {
  const metadata = async () => options.metadata;
  app.get('/v2', metadata);
  app.get('/v2/', metadata);
  app.get('/v2/health/live', async (_request, reply) => reply.code(200).send());
  app.get('/v2/health/ready', async (_request, reply) => {
    const reason = options.notReadyReason();
    return reason === undefined ? reply.code(200).send() : notReady(reply, reason);
  });
}
