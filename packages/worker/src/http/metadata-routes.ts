import { type ModelMetadata, modelMetadata, NOT_READY_HEADER, NOT_READY_STATUS, type ServerMetadata, SplitflowError } from '@splitflow/contract';
import { type HealthAnswer, type HealthAnswers, notReady } from '@splitflow/server-kit';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { lookupModel } from './lookup-model.js';
import type { WorkerState } from './worker-state.js';

export const WORKER_VERSION = '0.1.0';

/** OIP extensions this server speaks: Triton's binary tensors, and Splitflow's load reporting. */
export const EXTENSIONS = ['binary_tensor_data', 'model_repository', 'splitflow_load_reporting'];

interface ModelParams {
  name: string;
  version?: string;
}

/** Why the worker cannot take inference now, or undefined when it can. */
function notReadyReason(state: WorkerState): SplitflowError | undefined {
  if (state.draining) return new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 });
  // Ready once loading is over and at least one model serves or can be loaded on demand; refused
  // models are not "its models".
  if (!state.registry.list().some((m) => m.state !== 'refused')) return new SplitflowError('MODEL_NOT_READY', { message: 'no model is ready on this worker' });
  return undefined;
}

/**
 * The server's health answers (OIP: 200 for true, a 4xx with an empty body for false, the reason's
 * code in a header), with the load headers every answer of the worker carries (`load`). The fast path in
 * front of fastify and the routes below answer from here alike.
 */
export function workerHealth(state: WorkerState, load: () => Record<string, string>): HealthAnswers {
  return {
    live: () => ({ status: 200, headers: load() }),
    ready(): HealthAnswer {
      const reason = notReadyReason(state);
      if (reason === undefined) return { status: 200, headers: load() };
      const headers: Record<string, string> = { ...load(), [NOT_READY_HEADER]: reason.code };
      if (reason.retryAfterS !== undefined) headers['retry-after'] = String(reason.retryAfterS);
      return { status: NOT_READY_STATUS, headers };
    },
  };
}

/** `GET /v2`, health, model metadata and model readiness. */
export function registerMetadataRoutes(app: FastifyInstance, state: WorkerState): void {
  const serverMetadata = (): ServerMetadata => ({ name: state.name, version: WORKER_VERSION, extensions: EXTENSIONS });
  app.get('/v2', async () => serverMetadata());
  app.get('/v2/', async () => serverMetadata());

  app.get('/v2/health/live', async (_request, reply) => reply.code(200).send());
  app.get('/v2/health/ready', async (_request, reply) => {
    const reason = notReadyReason(state);
    return reason === undefined ? reply.code(200).send() : notReady(reply, reason);
  });

  const metadata = async (request: { params: ModelParams }): Promise<ModelMetadata> => {
    const model = lookupModel(state.registry, request.params.name, request.params.version);
    const { manifest } = model;
    const properties: Record<string, string> = { state: model.state, provider: state.provider, hardware: state.hardware, task: manifest.task };
    if (model.state === 'ready') {
      properties.max_batch = String(model.layout ? model.batching.maxBatch : 1);
      properties.max_queue_delay_us = String(model.batching.maxQueueDelayUs);
      if (model.layout) properties.batch_dim = model.layout.dim;
      if (model.layout && model.batching.buckets?.length) properties.batch_buckets = model.batching.buckets.join(',');
      if (model.tuning.graphOptimization !== undefined) properties.graph_optimization = model.tuning.graphOptimization;
      if (model.tuning.webgpu?.validationMode !== undefined) properties.webgpu_validation = model.tuning.webgpu.validationMode;
      if (model.tuning.intraOpThreads !== undefined) properties.intra_op_threads = String(model.tuning.intraOpThreads);
      if (model.tuning.onCallingThread) properties.session_thread = 'main';
    } else if (model.state === 'refused') {
      properties.error = model.error.message;
      properties.error_code = model.error.code;
    }
    return modelMetadata(manifest, 'onnxruntime_onnx', properties);
  };
  app.get<{ Params: ModelParams }>('/v2/models/:name', metadata);
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version', metadata);

  const ready = async (request: { params: ModelParams }, reply: FastifyReply) => {
    // An unknown model is an error (404 with its body); a known one not ready is a health "false".
    const model = lookupModel(state.registry, request.params.name, request.params.version);
    if (state.draining) return notReady(reply, new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 }));
    if (model.state === 'refused') return notReady(reply, model.error);
    // Known but not in memory: not ready (as Triton says), though its first request will load it.
    if (model.state === 'unloaded' || state.registry.transition(model.manifest.id) !== undefined)
      return notReady(reply, new SplitflowError('MODEL_NOT_READY', { message: `model "${model.manifest.id}" is not loaded`, retryAfterS: 1 }));
    return reply.code(200).send();
  };
  app.get<{ Params: ModelParams }>('/v2/models/:name/ready', ready);
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version/ready', ready);
}
