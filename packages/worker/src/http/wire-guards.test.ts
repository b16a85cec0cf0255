import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { rawExchange } from '@splitflow/test-fixtures/raw-http';
import { expectTypedAnswer } from '@splitflow/test-fixtures/typed-answer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../start-worker.js';

// Failures below the routes, as misbehaving clients cause them over real sockets: each gets the
// stable `{error, code}` body, and no connection outlives the configured timeouts.

let worker: RunningWorker;
const LIMIT = 256 * 1024;

beforeAll(async () => {
  worker = await startWorker({
    catalog: CATALOG_PATH,
    models: ['tiny'],
    bodyLimitBytes: LIMIT,
    maxJsonBytes: 64 * 1024,
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
  });
});
afterAll(async () => {
  await worker?.close();
});

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

describe('timeouts', () => {
  it('closes a connection whose headers never end with 408 REQUEST_TIMEOUT', async () => {
    const answer = await rawExchange(worker.port, ['POST /v2/models/tiny/infer HTTP/1.1\r\nHost: x\r\n'], { holdMs: 20_000 });
    expectTypedAnswer(answer, 408, 'REQUEST_TIMEOUT');
    // The server ended it, long before the client would have.
    expect(answer.ended).toBe('closed');
  });

  it('closes a connection trickling its body with 408 REQUEST_TIMEOUT', async () => {
    const parts = [head(['POST /v2/models/tiny/infer HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 100000'])];
    for (let i = 0; i < 200; i++) parts.push('[1,2,3,4,5]');
    const answer = await rawExchange(worker.port, parts, { gapMs: 100, holdMs: 20_000 });
    expectTypedAnswer(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.ended).not.toBe('client');
  });
});

describe('framework and parser errors', () => {
  it('malformed framing: 400 INVALID_REQUEST', async () => {
    expectTypedAnswer(await rawExchange(worker.port, ['GARBAGE GARBAGE\r\n\r\n']), 400, 'INVALID_REQUEST');
    expectTypedAnswer(
      await rawExchange(worker.port, [head(['POST /v2/models/tiny/infer HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', '', 'zz'])]),
      400,
      'INVALID_REQUEST',
    );
  });

  it('headers over the limit: 431 HEADERS_TOO_LARGE', async () => {
    expectTypedAnswer(await rawExchange(worker.port, [head(['GET /v2 HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20_000)}`])]), 431, 'HEADERS_TOO_LARGE');
  });

  it('bad percent-encoding: 400 INVALID_REQUEST; an over-long model name: 414 URI_TOO_LONG', async () => {
    expectTypedAnswer(await rawExchange(worker.port, [head(['GET /v2/models/%ZZ/ready HTTP/1.1', 'Host: x', 'Connection: close'])]), 400, 'INVALID_REQUEST');
    expectTypedAnswer(
      await rawExchange(worker.port, [head([`GET /v2/models/${'m'.repeat(150)}/ready HTTP/1.1`, 'Host: x', 'Connection: close'])]),
      414,
      'URI_TOO_LONG',
    );
  });
});

describe('oversized bodies', () => {
  // A client that writes its whole body before reading (as many do) loses an answer whose connection
  // is reset under it: the server must read the rest (up to a bound) rather than close.
  it.each([
    ['declared length', false],
    ['chunked', true],
  ])('answer 413 PAYLOAD_TOO_LARGE to a client that reads only after sending (%s)', async (_name, chunked) => {
    const size = 3 * LIMIT;
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`;
    const parts: (string | Buffer)[] = [head(['POST /v2/models/tiny/infer HTTP/1.1', 'Host: x', 'Content-Type: application/json', framing])];
    for (let sent = 0; sent < size; sent += chunk.length) {
      parts.push(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    }
    if (chunked) parts.push('0\r\n\r\n');
    const answer = await rawExchange(worker.port, parts, { gapMs: 5, holdMs: 1000, readAfterSending: true });
    expectTypedAnswer(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(answer.ended).not.toBe('reset');
    expect(answer.writeError).toBeUndefined();
  });

  it('refuses JSON over maxJsonBytes before parsing it, and data longer than its shape before converting it', async () => {
    const big = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array(40_000).fill(1.5) }] });
    const tooBig = await fetch(`${worker.url}/v2/models/tiny/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    const long = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array(5_000).fill(1) }] });
    const res = await fetch(`${worker.url}/v2/models/tiny/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: long });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; error: string };
    expect(body.code).toBe('INVALID_TENSOR');
    expect(body.error).toMatch(/needs 64 elements, data has more/);
  });
});
