import { NOT_READY_HEADER, NOT_READY_STATUS, SplitflowError } from '@splitflow/contract';
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import { notReady } from './not-ready.js';

it('a not-ready answer is OIP v2 health: a 4xx with an empty body, the code in a header, Retry-After kept', async () => {
  const app = Fastify();
  app.get('/ready', (_request, reply) => notReady(reply, new SplitflowError('SHUTTING_DOWN', { message: 'draining', retryAfterS: 1 })));
  const res = await app.inject({ method: 'GET', url: '/ready' });
  expect(NOT_READY_STATUS).toBeGreaterThanOrEqual(400);
  expect(NOT_READY_STATUS).toBeLessThan(500);
  expect([res.statusCode, res.body, res.headers[NOT_READY_HEADER], res.headers['retry-after']]).toEqual([NOT_READY_STATUS, '', 'SHUTTING_DOWN', '1']);
  await app.close();
});
