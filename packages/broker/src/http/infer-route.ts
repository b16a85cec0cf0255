import { randomUUID } from 'node:crypto';
import { BINARY_CONTENT_TYPE, BINARY_HEADER, type ModelManifest, SPLITFLOW_PARAMS, SplitflowError } from '@splitflow/contract';
import { asSplitflowError } from '@splitflow/server-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticate } from '../admission/authenticate.js';
import type { ByteBudget } from '../admission/byte-budget.js';
import type { SharedRateLimiter } from '../admission/redis-rate-limiter.js';
import type { Admission, TenantRegistry } from '../admission/tenants.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobStore } from '../jobs/job-store.js';
import type { BrokerMetrics } from '../observability/metrics.js';
import type { Dispatcher, DispatchInput } from '../proxy/dispatcher.js';
import { lookupModel } from './lookup-model.js';
import type { ModelParams } from './model-routes.js';
import { parseInfer } from './parse-infer.js';
import { EMPTY_BODY, type RequestBody, wholeOf } from './request-body.js';
import { traceparentOf } from './request-context.js';

export interface InferRouteDeps {
  authenticate: Authenticate;
  models: ReadonlyMap<string, ModelManifest>;
  tenants: TenantRegistry;
  /** Tenants' rates shared in Redis, when the config asks for it. */
  sharedRate: SharedRateLimiter | undefined;
  tenantBytes: ByteBudget;
  /** Request bytes of a tenant's async jobs not yet finished, at most. */
  maxQueuedBytes: number;
  dispatcher: Dispatcher;
  jobs: JobStore;
  runner: JobRunner;
  metrics: BrokerMetrics;
  defaultDeadlineMs: number;
  maxJsonBytes: number | undefined;
}

/**
 * `POST /v2/models/:name[/versions/:version]/infer`: authenticates, checks the request against the
 * manifest, admits it for the tenant, then either stores it as an async job (202) or dispatches it to
 * the pool the scheduler picks and answers with what the pool answered.
 */
export function registerInferRoute(app: FastifyInstance, deps: InferRouteDeps): void {
  const { authenticate, models, tenants, sharedRate, tenantBytes, maxQueuedBytes, dispatcher, jobs, runner, metrics, defaultDeadlineMs, maxJsonBytes } = deps;
  // Bytes of this broker's inserts under way, per tenant: counted with the store's until it has them.
  const inserting = new Map<string, number>();
  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    // The deadline runs from the request's arrival, not from the end of its body: the client's clock
    // started before either, and time spent reading and parsing the body is time the answer no longer has.
    const receivedAt = performance.now() - reply.elapsedTime;
    const tenant = authenticate(request);
    reply.header('x-request-id', request.id);
    const manifest = lookupModel(models, request.params.name, request.params.version);
    const body = (request.body as RequestBody | undefined) ?? EMPTY_BODY;
    const rawLength = request.headers[BINARY_HEADER];
    const headerLength = Array.isArray(rawLength) ? rawLength[0] : rawLength;
    const contentType = headerLength !== undefined ? BINARY_CONTENT_TYPE : 'application/json';
    let code = 'OK';
    let admission: Admission | undefined;
    try {
      const parsed = parseInfer(manifest, body, headerLength, defaultDeadlineMs, maxJsonBytes);
      const async = parsed.mode === 'async';
      try {
        admission = tenants.admit(tenant, !async, sharedRate === undefined);
        // Only with shared limits configured does admission wait on I/O.
        if (sharedRate !== undefined && tenant.rateLimit !== undefined) await sharedRate.admit(tenant);
      } catch (error) {
        metrics.refusals.inc({ code: 'RATE_LIMITED' });
        throw error;
      }
      const traceparent = traceparentOf(request.headers.traceparent);
      reply.header('traceparent', traceparent);
      if (async) {
        const id = randomUUID();
        // A tenant's queue holds a bounded number of bytes: one that fills it waits for its jobs to finish.
        inserting.set(tenant.id, (inserting.get(tenant.id) ?? 0) + body.length);
        try {
          // The store's count, plus what other requests of the tenant are storing now.
          const queued = (await jobs.queuedBytes(tenant.id)) + (inserting.get(tenant.id) ?? 0) - body.length;
          if (queued + body.length > maxQueuedBytes) {
            metrics.refusals.inc({ code: 'RATE_LIMITED' });
            throw new SplitflowError('RATE_LIMITED', {
              message: `tenant "${tenant.id}" has ${queued} bytes of async jobs queued; ${body.length} more would pass its limit of ${maxQueuedBytes}`,
              details: { queuedBytes: queued, limit: maxQueuedBytes },
              retryAfterS: 1,
            });
          }
          // The 202 goes out only once the store has the job; a store that cannot take it answers 503.
          await jobs.insert(
            id,
            {
              tenant: tenant.id,
              model: manifest.id,
              ...(request.params.version !== undefined ? { version: request.params.version } : {}),
              body: wholeOf(body),
              contentType,
              ...(headerLength !== undefined ? { headerLength } : {}),
              requestId: request.id,
              traceparent,
            },
            Date.now(),
          );
        } finally {
          const left = (inserting.get(tenant.id) ?? 0) - body.length;
          if (left > 0) inserting.set(tenant.id, left);
          else inserting.delete(tenant.id);
        }
        metrics.jobs.inc({ event: 'accepted' });
        runner.wake();
        code = 'ACCEPTED';
        return reply
          .code(202)
          .header('location', `/v2/jobs/${id}`)
          .send({ id, status: 'queued', model_name: manifest.id, parameters: { [SPLITFLOW_PARAMS.jobId]: id } });
      }
      const releaseBytes = tenantBytes.take(tenant.id, body.length, () => {
        metrics.refusals.inc({ code: 'RATE_LIMITED' });
        return new SplitflowError('RATE_LIMITED', { message: `tenant "${tenant.id}" holds its limit of request bytes in flight`, retryAfterS: 1 });
      });
      const input: DispatchInput = {
        model: manifest.id,
        body: body.chunks,
        contentType,
        placement: {
          model: manifest.id,
          work: parsed.work,
          batch: parsed.batch,
          bytes: body.length + parsed.responseBytes,
          priority: parsed.priority,
          hardDeadline: parsed.hardDeadline,
        },
        deadlineAt: receivedAt + parsed.deadlineMs,
        requestId: request.id,
        traceparent,
      };
      // Optional fields assigned, not spread from conditional objects: this runs on every request.
      if (request.params.version !== undefined) input.version = request.params.version;
      if (headerLength !== undefined) input.headerLength = headerLength;
      const tracestate = request.headers.tracestate;
      if (typeof tracestate === 'string') input.tracestate = tracestate;
      const result = await dispatcher.dispatch(input).finally(releaseBytes);
      code = result.status < 400 ? 'OK' : `HTTP_${result.status}`;
      reply.code(result.status).headers(result.headers).header('content-type', result.contentType);
      if (result.headerLength !== undefined) reply.header(BINARY_HEADER, result.headerLength);
      return reply.send(result.body);
    } catch (error) {
      const failure = asSplitflowError(error);
      code = failure.code;
      if (failure.code === 'DEADLINE_UNMEETABLE' || failure.code === 'OVERLOADED' || failure.code === 'NO_CAPACITY')
        metrics.refusals.inc({ code: failure.code });
      throw failure;
    } finally {
      admission?.release();
      metrics.requests.inc({ model: manifest.id, code });
    }
  };
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);
}
