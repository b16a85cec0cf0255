import { SplitflowError } from '@splitflow/contract';
import type { FastifyInstance } from 'fastify';
import type { EndpointRegistry, Registering } from '../discovery/registration.js';
import { type RequestBody, wholeOf } from './request-body.js';

const asObject = (body: unknown): Record<string, unknown> => {
  const text = body && typeof body === 'object' && 'chunks' in body ? wholeOf(body as RequestBody).toString('utf8') : '';
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  throw new SplitflowError('INVALID_REQUEST', { message: 'expected a JSON object' });
};
const stringOf = (o: Record<string, unknown>, key: string): string => {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new SplitflowError('INVALID_REQUEST', { message: `${key}: expected a string` });
  return v;
};

/**
 * `POST /v2/splitflow/endpoints` registers or heartbeats a worker (`{pool, url, models, hardware, uptimeMs}`),
 * `DELETE` with `{pool, url}` says it leaves. Authenticated with a registration token, not a tenant's key.
 */
export function registerRegistrationRoutes(app: FastifyInstance, registry: EndpointRegistry): void {
  app.post('/v2/splitflow/endpoints', async (request) => {
    registry.authenticate(request.headers.authorization);
    const body = asObject(request.body);
    const models = body.models;
    if (!Array.isArray(models) || !models.every((m) => typeof m === 'string'))
      throw new SplitflowError('INVALID_REQUEST', { message: 'models: expected an array of model ids' });
    const input: Registering = { pool: stringOf(body, 'pool'), url: stringOf(body, 'url'), models: models as string[] };
    if (typeof body.hardware === 'string') input.hardware = body.hardware;
    if (typeof body.uptimeMs === 'number' && Number.isFinite(body.uptimeMs) && body.uptimeMs >= 0) input.uptimeMs = body.uptimeMs;
    return registry.heartbeat(input);
  });
  app.delete('/v2/splitflow/endpoints', async (request, reply) => {
    registry.authenticate(request.headers.authorization);
    const body = asObject(request.body);
    registry.leave(stringOf(body, 'pool'), stringOf(body, 'url'));
    return reply.code(204).send();
  });
}
