import type { ServerMetadata, SplitflowError } from '@splitflow/contract';
import { notReady } from '@splitflow/server-kit';
import type { FastifyInstance } from 'fastify';

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
