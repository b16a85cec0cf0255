import type { FastifyInstance } from 'fastify';
import type { WorkerState } from './worker-state.js';

/**
 * `POST /v2/repository/index` of the OIP model repository extension: every model of the catalog this
 * worker holds, READY or UNAVAILABLE with the reason it was refused.
 */
export function registerRepositoryRoutes(app: FastifyInstance, state: WorkerState): void {
  app.post('/v2/repository/index', async () =>
    state.registry
      .list()
      .map((m) =>
        m.state === 'ready'
          ? { name: m.manifest.id, version: m.manifest.version, state: 'READY' }
          : { name: m.manifest.id, version: m.manifest.version, state: 'UNAVAILABLE', reason: m.error.message },
      ),
  );
}
