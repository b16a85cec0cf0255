import { unreachablePool } from '@splitflow/test-fixtures/broker-pools';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { rawExchange } from '@splitflow/test-fixtures/raw-http';
import { expectTypedAnswer } from '@splitflow/test-fixtures/typed-answer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// The broker's failures below its routes, over real sockets: the stable `{error, code}` body for
// each, and no connection kept past the configured timeouts. No pool is reached: none of these
// requests gets that far.

const KEY = 'wire-guards-key-000001';
const LIMIT = 256 * 1024;
let broker: Broker;
let port: number;

beforeAll(async () => {
  const { catalog } = await writeFixtureCatalog();
  broker = await buildBroker(
    {
      pools: [unreachablePool()],
      tenants: [{ id: 'acme', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      log: { level: 'silent' },
      cors: { origins: ['https://app.example.com'] },
      limits: { maxBodyBytes: LIMIT, headersTimeoutMs: 300, requestTimeoutMs: 600 },
    },
    { catalog, healthChecks: false },
  );
  port = Number(new URL(await broker.listen()).port);
});
afterAll(async () => {
  await broker?.close();
});

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
const POST = (type: string, framing: string) =>
  head(['POST /v2/models/mlp/infer HTTP/1.1', 'Host: x', `Authorization: Bearer ${KEY}`, `Content-Type: ${type}`, framing]);

describe('broker wire guards', () => {
  it('408 REQUEST_TIMEOUT for slow headers and a trickling body, and the connection closed', async () => {
    const slowHead = await rawExchange(port, ['GET /v2 HTTP/1.1\r\nHost: x\r\n'], { holdMs: 20_000 });
    expectTypedAnswer(slowHead, 408, 'REQUEST_TIMEOUT');
    expect(slowHead.ended).toBe('closed');
    const parts = [POST('application/json', 'Content-Length: 100000'), ...Array(200).fill('[1,2,3,4,5]')];
    const slowBody = await rawExchange(port, parts, { gapMs: 100, holdMs: 20_000 });
    expectTypedAnswer(slowBody, 408, 'REQUEST_TIMEOUT');
    expect(slowBody.ended).not.toBe('client');
  });

  it('typed answers for bad framing, huge headers, bad escapes, long names and an OPTIONS without Origin', async () => {
    expectTypedAnswer(await rawExchange(port, ['NOT HTTP AT ALL\r\n\r\n']), 400, 'INVALID_REQUEST');
    expectTypedAnswer(await rawExchange(port, [head(['GET /v2 HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20_000)}`])]), 431, 'HEADERS_TOO_LARGE');
    expectTypedAnswer(await rawExchange(port, [head(['GET /v2/models/%E0%A4%A/ready HTTP/1.1', 'Host: x', 'Connection: close'])]), 400, 'INVALID_REQUEST');
    expectTypedAnswer(await rawExchange(port, [head([`GET /v2/models/${'m'.repeat(150)} HTTP/1.1`, 'Host: x', 'Connection: close'])]), 414, 'URI_TOO_LONG');
    const options = await rawExchange(port, [head(['OPTIONS /v2/models/mlp/infer HTTP/1.1', 'Host: x', 'Connection: close'])]);
    // @fastify/cors refuses a preflight without Origin in text/plain; the guard gives it our shape.
    expectTypedAnswer(options, 400, 'INVALID_REQUEST');
  });

  it.each([
    ['binary, declared length', 'application/octet-stream', false],
    ['JSON, chunked', 'application/json', true],
  ])('413 PAYLOAD_TOO_LARGE reaches a client that reads only after sending (%s)', async (_name, type, chunked) => {
    const size = 3 * LIMIT;
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const parts: (string | Buffer)[] = [POST(type, chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`)];
    for (let sent = 0; sent < size; sent += chunk.length) {
      parts.push(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    }
    if (chunked) parts.push('0\r\n\r\n');
    const answer = await rawExchange(port, parts, { gapMs: 5, holdMs: 1000, readAfterSending: true });
    expectTypedAnswer(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(answer.ended).not.toBe('reset');
    expect(answer.writeError).toBeUndefined();
  });
});
