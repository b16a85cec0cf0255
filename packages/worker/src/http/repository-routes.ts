import { SplitflowError } from '@splitflow/contract';
import type { FastifyInstance } from 'fastify';
import { lookupModel } from './lookup-model.js';
import type { WorkerState } from './worker-state.js';

/** The index's reason for a model that is known and loadable but not in memory. */
export const UNLOADED_REASON = 'unloaded';

interface RepositoryParams {
  name: string;
}

/** `{ "ready": true }` asks only for the models that serve now; anything else but an object or no body is refused. */
function readyOnly(body: unknown): boolean {
  if (!(body instanceof Uint8Array) || body.length === 0) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new SplitflowError('INVALID_REQUEST', { message: 'the repository index request body is not JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SplitflowError('INVALID_REQUEST', { message: 'the repository index request body must be a JSON object' });
  const ready = (parsed as { ready?: unknown }).ready;
  if (ready !== undefined && typeof ready !== 'boolean') throw new SplitflowError('INVALID_REQUEST', { message: '"ready" must be true or false' });
  return ready === true;
}

/**
 * The OIP model repository extension, as Triton and KServe define it: `POST /v2/repository/index`
 * lists every model of the catalog this worker holds (READY, LOADING, UNLOADING, or UNAVAILABLE with
 * the reason: `unloaded`, or why it was refused); `POST /v2/repository/models/{name}/load` and
 * `.../unload` answer 200 with an empty body once done. Loading evicts the least recently used idle
 * models when the memory budget is full; unloading waits for the model's requests in flight.
 */
export function registerRepositoryRoutes(app: FastifyInstance, state: WorkerState): void {
  app.post('/v2/repository/index', async (request) => {
    const only = readyOnly(request.body);
    const entries = state.registry.list().map((m) => {
      const base = { name: m.manifest.id, version: m.manifest.version };
      const transition = state.registry.transition(m.manifest.id);
      if (transition === 'loading') return { ...base, state: 'LOADING' };
      if (transition === 'unloading') return { ...base, state: 'UNLOADING' };
      if (m.state === 'ready') return { ...base, state: 'READY' };
      if (m.state === 'unloaded') return { ...base, state: 'UNAVAILABLE', reason: UNLOADED_REASON };
      return { ...base, state: 'UNAVAILABLE', reason: m.error.message };
    });
    return only ? entries.filter((e) => e.state === 'READY') : entries;
  });

  app.post<{ Params: RepositoryParams }>('/v2/repository/models/:name/load', async (request, reply) => {
    const model = lookupModel(state.registry, request.params.name, undefined);
    if (state.draining) throw new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 });
    await state.registry.load(model.manifest.id);
    return reply.code(200).send();
  });

  app.post<{ Params: RepositoryParams }>('/v2/repository/models/:name/unload', async (request, reply) => {
    const model = lookupModel(state.registry, request.params.name, undefined);
    await state.registry.unload(model.manifest.id);
    return reply.code(200).send();
  });
}
