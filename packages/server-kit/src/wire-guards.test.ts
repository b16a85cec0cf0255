import { NOT_READY_HEADER, NOT_READY_STATUS, SplitflowError } from '@splitflow/contract';
import { rawExchange } from '@splitflow/test-fixtures/raw-http';
import { expectTypedAnswer } from '@splitflow/test-fixtures/typed-answer';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSplitflowError, replyWithError } from './error-reply.js';
import { boundPort } from './listen-address.js';
import { notReady } from './not-ready.js';
import { installWireGuards, wireServerOptions } from './wire-guards.js';

// The guards on a bare fastify app over real sockets: every failure below the routes, and any error a
// route writes in another shape, reaches the client as `{error, code}`; no connection outlives the
// timeouts. The worker's and broker's own tests check the same on their servers as built.

const LIMIT = 64 * 1024;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = Fastify({ bodyLimit: LIMIT, ...wireServerOptions({ headersTimeoutMs: 300, requestTimeoutMs: 600 }) });
  installWireGuards(app, { drainBytes: 4 * LIMIT });
  // As the worker and the broker do: errors thrown on the way to a route answer in the one shape.
  app.setErrorHandler((error, _request, reply) => replyWithError(reply, asSplitflowError(error)));
  app.get('/items/:name', async (request) => ({ name: (request.params as { name: string }).name }));
  app.get('/plain-failure', async (_request, reply) => reply.code(503).type('text/plain').send('backend gone'));
  app.get('/empty-failure', async (_request, reply) => reply.code(429).send());
  app.get('/not-ready', async (_request, reply) => notReady(reply, new SplitflowError('MODEL_NOT_READY', { message: 'loading' })));
  app.post('/upload', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = boundPort(app.server, 0);
});
afterAll(async () => {
  await app?.close();
});

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

describe('wire guards', () => {
  it('408 REQUEST_TIMEOUT for headers that never end, and the server closes the connection', async () => {
    const answer = await rawExchange(port, ['GET /items/a HTTP/1.1\r\nHost: x\r\n'], { holdMs: 20_000 });
    expectTypedAnswer(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.ended).toBe('closed');
  });

  it('typed answers for bad framing, huge headers and a bad escape in a path parameter', async () => {
    expectTypedAnswer(await rawExchange(port, ['NOT HTTP AT ALL\r\n\r\n']), 400, 'INVALID_REQUEST');
    expectTypedAnswer(await rawExchange(port, [head(['GET /items/a HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20_000)}`])]), 431, 'HEADERS_TOO_LARGE');
    expectTypedAnswer(await rawExchange(port, [head(['GET /items/%ZZ HTTP/1.1', 'Host: x', 'Connection: close'])]), 400, 'INVALID_REQUEST');
  });

  it('rewrites an error answer a route wrote as text as `{error, code}` for its status; leaves empty ones alone', async () => {
    const plain = await app.inject({ method: 'GET', url: '/plain-failure' });
    expect(plain.statusCode).toBe(503);
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    expect(plain.json()).toMatchObject({ error: 'backend gone' });
    expect(typeof plain.json().code).toBe('string');
    // An answer with no body at all stays so: OIP's not-ready health answer is a 4xx with an empty body.
    const empty = await app.inject({ method: 'GET', url: '/empty-failure' });
    expect([empty.statusCode, empty.body]).toEqual([429, '']);
    const notReadyAnswer = await app.inject({ method: 'GET', url: '/not-ready' });
    expect([notReadyAnswer.statusCode, notReadyAnswer.body, notReadyAnswer.headers[NOT_READY_HEADER]]).toEqual([NOT_READY_STATUS, '', 'MODEL_NOT_READY']);
    // Success bodies pass untouched.
    expect((await app.inject({ method: 'GET', url: '/items/a' })).json()).toEqual({ name: 'a' });
  });

  it('413 PAYLOAD_TOO_LARGE reaches a client that reads only after sending its whole body', async () => {
    const size = 3 * LIMIT;
    const chunk = Buffer.alloc(8 * 1024, 0x20);
    const parts: (string | Buffer)[] = [head(['POST /upload HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${size}`])];
    for (let sent = 0; sent < size; sent += chunk.length) parts.push(chunk);
    const answer = await rawExchange(port, parts, { gapMs: 2, holdMs: 1000, readAfterSending: true });
    expectTypedAnswer(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(answer.ended).not.toBe('reset');
    expect(answer.writeError).toBeUndefined();
  });
});
