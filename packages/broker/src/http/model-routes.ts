import { type ModelManifest, SplitflowError } from '@splitflow/contract';
import { notReady } from '@splitflow/server-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticate } from '../admission/authenticate.js';
import type { Upstream } from '../proxy/upstream.js';
import { isServing } from '../scheduler/pool-state.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { lookupModel } from './lookup-model.js';
import { brokerModelMetadata } from './model-metadata.js';

export interface ModelParams {
  name: string;
  version?: string;
}

export interface ModelRoutesDeps {
  authenticate: Authenticate;
  models: ReadonlyMap<string, ModelManifest>;
  scheduler: Scheduler;
  upstream: Upstream;
}

/** A model's metadata and readiness (`/v2/models/:name[/versions/:version][/ready]`), for tenants only. */
export function registerModelRoutes(app: FastifyInstance, { authenticate, models, scheduler, upstream }: ModelRoutesDeps): void {
  const modelReady = (name: string) => scheduler.poolsFor(name).some((p) => p.endpoints.some(isServing));

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    authenticate(request);
    const m = lookupModel(models, request.params.name, request.params.version);
    return brokerModelMetadata(m, scheduler.poolsFor(m.id), upstream);
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    authenticate(request);
    const m = lookupModel(models, request.params.name, request.params.version);
    if (!modelReady(m.id)) return notReady(reply, new SplitflowError('NO_CAPACITY', { message: `no healthy pool serves "${m.id}" now`, retryAfterS: 1 }));
    return reply.code(200).send();
  };
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);
}
