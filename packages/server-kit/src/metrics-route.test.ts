import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { asSplitflowError, replyWithError } from './error-reply.js';
import { type MetricsExposure, registerMetricsRoute } from './metrics-route.js';

const source = { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => 'splitflow_up 1\n' };

async function appWith(exposure?: MetricsExposure) {
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => replyWithError(reply, asSplitflowError(error)));
  registerMetricsRoute(app, source, exposure);
  await app.ready();
  return app;
}

describe('GET /metrics (the worker and the broker serve it with this)', () => {
  it('is open by default, in the registry content type', async () => {
    const app = await appWith();
    const res = await app.inject({ url: '/metrics' });
    expect([res.statusCode, res.headers['content-type'], res.body]).toEqual([200, source.contentType, 'splitflow_up 1\n']);
    await app.close();
  });

  it('asks for the configured bearer token: none or another is UNAUTHORIZED, the right one is served', async () => {
    const app = await appWith({ metricsToken: 'scrape-secret' });
    for (const authorization of [undefined, 'Bearer scrape-secreT', 'Bearer scrape-secret-longer', 'scrape-secret']) {
      const res = await app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect([res.statusCode, (res.json() as { code: string }).code], String(authorization)).toEqual([401, 'UNAUTHORIZED']);
    }
    const ok = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-secret' } });
    expect([ok.statusCode, ok.body]).toEqual([200, 'splitflow_up 1\n']);
    await app.close();
  });

  it('is absent when turned off', async () => {
    const app = await appWith({ metrics: false });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404);
    await app.close();
  });
});
