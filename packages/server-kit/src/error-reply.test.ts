import { SplitflowError } from '@splitflow/contract';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { asSplitflowError, replyWithError, routeNotFound } from './error-reply.js';

describe('replyWithError', () => {
  it("answers with the code's status, the `{error, code}` body and Retry-After when waiting can help", async () => {
    const app = Fastify();
    app.get('/busy', (_request, reply) => replyWithError(reply, new SplitflowError('OVERLOADED', { message: 'queue full', retryAfterS: 2 })));
    app.get('/missing', (_request, reply) => replyWithError(reply, new SplitflowError('MODEL_NOT_FOUND', { message: 'no model "x"' })));
    const busy = await app.inject({ method: 'GET', url: '/busy' });
    expect([busy.statusCode, busy.headers['retry-after'], busy.json()]).toEqual([503, '2', { error: 'queue full', code: 'OVERLOADED' }]);
    expect(busy.headers['content-type']).toBe('application/json; charset=utf-8');
    const missing = await app.inject({ method: 'GET', url: '/missing' });
    expect([missing.statusCode, missing.headers['retry-after'], missing.json().code]).toEqual([404, undefined, 'MODEL_NOT_FOUND']);
    await app.close();
  });

  it('routeNotFound names the method and path, never the query (it may carry a key)', () => {
    const failure = routeNotFound({ method: 'GET', url: '/v2/nowhere?api_key=secret' });
    expect(failure.code).toBe('NOT_FOUND');
    expect(failure.message).toBe('no route GET /v2/nowhere');
  });

  it("asSplitflowError keeps a SplitflowError and maps fastify's errors by status", () => {
    const own = new SplitflowError('INVALID_TENSOR', { message: 'bad' });
    expect(asSplitflowError(own)).toBe(own);
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(asSplitflowError(tooLarge).code).toBe('PAYLOAD_TOO_LARGE');
    expect(asSplitflowError(new Error('boom')).code).toBe('INTERNAL');
  });
});
