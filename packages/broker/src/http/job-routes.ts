import { BINARY_HEADER, SplitflowError } from '@splitflow/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticate } from '../admission/authenticate.js';
import type { JobStore } from '../jobs/job-store.js';

/** `GET /v2/jobs/:id`: an async job's state, or its stored answer once it has one. */
export function registerJobRoutes(app: FastifyInstance, { authenticate, jobs }: { authenticate: Authenticate; jobs: JobStore }): void {
  app.get('/v2/jobs/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const tenant = authenticate(request);
    const job = await jobs.get(request.params.id);
    // Another tenant's job is as unknown as one that never was.
    if (!job || job.tenant !== tenant.id) throw new SplitflowError('NOT_FOUND', { message: `no job "${request.params.id}"` });
    reply.header('splitflow-job-status', job.status);
    if (!job.result) return reply.code(202).send({ id: job.id, status: job.status, attempts: job.attempts, model_name: job.model });
    reply.code(job.result.status).header('content-type', job.result.contentType);
    if (job.result.headerLength !== undefined) reply.header(BINARY_HEADER, job.result.headerLength);
    return reply.send(job.result.body);
  });
}
