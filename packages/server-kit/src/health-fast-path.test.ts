import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fastHealthServer, type HealthAnswers } from './health-fast-path.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A server whose every fastify request waits on a hook that never ends: only the fast path can answer. */
async function start(answers: HealthAnswers | undefined): Promise<string> {
  const app = Fastify({ serverFactory: fastHealthServer(() => answers) });
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-stall'] !== undefined) await new Promise(() => {});
    reply.header('x-through-fastify', '1');
  });
  app.get('/v2/health/ready', async (_request, reply) => reply.code(200).send());
  close = () => app.close();
  return app.listen({ port: 0, host: '127.0.0.1' });
}

const answers: HealthAnswers = {
  live: () => ({ status: 200, headers: { 'x-load': '3' } }),
  ready: () => ({ status: 400, headers: { 'splitflow-not-ready': 'MODEL_NOT_READY' } }),
};

describe('fastHealthServer', () => {
  it('answers health probes before any fastify hook runs, with the answers given', async () => {
    const url = await start(answers);
    const stall = { 'x-stall': '1' };
    const live = await fetch(`${url}/v2/health/live`, { headers: stall });
    expect(live.status).toBe(200);
    expect(live.headers.get('x-load')).toBe('3');
    expect(live.headers.get('x-through-fastify')).toBeNull();
    expect(await live.text()).toBe('');
    const ready = await fetch(`${url}/v2/health/ready`, { headers: stall });
    expect(ready.status).toBe(400);
    expect(ready.headers.get('splitflow-not-ready')).toBe('MODEL_NOT_READY');
    const head = await fetch(`${url}/v2/health/live`, { method: 'HEAD', headers: stall });
    expect(head.status).toBe(200);
  });

  it('leaves to fastify what it does not answer: other methods, a query string, a browser Origin, no answers yet', async () => {
    const url = await start(answers);
    for (const [path, init] of [
      ['/v2/health/ready?verbose=1', {}],
      ['/v2/health/ready', { headers: { origin: 'http://localhost' } }],
    ] as const) {
      const res = await fetch(`${url}${path}`, init);
      expect(res.headers.get('x-through-fastify')).toBe('1');
    }
    const post = await fetch(`${url}/v2/health/ready`, { method: 'POST' });
    expect(post.headers.get('x-through-fastify')).toBe('1');
    await close?.();
    const none = await start(undefined);
    expect((await fetch(`${none}/v2/health/ready`)).headers.get('x-through-fastify')).toBe('1');
  });
});
