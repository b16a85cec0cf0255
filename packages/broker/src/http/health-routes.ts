import { NOT_READY_HEADER, NOT_READY_STATUS, type ServerMetadata, type SplitflowError } from '@splitflow/contract';
import { type HealthAnswer, type HealthAnswers, notReady } from '@splitflow/server-kit';
import type { FastifyInstance } from 'fastify';

/** The broker's health answers for the fast path in front of fastify: the same as the routes below give. */
export function serverHealth(notReadyReason: () => SplitflowError | undefined): HealthAnswers {
  return {
    live: () => ({ status: 200, headers: {} }),
    ready(): HealthAnswer {
      const reason = notReadyReason();
      if (reason === undefined) return { status: 200, headers: {} };
      const headers: Record<string, string> = { [NOT_READY_HEADER]: reason.code };
      if (reason.retryAfterS !== undefined) headers['retry-after'] = String(reason.retryAfterS);
      return { status: NOT_READY_STATUS, headers };
    },
  };
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
