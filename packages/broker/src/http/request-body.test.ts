import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { isSplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { bodyOf, collectBody, EMPTY_BODY, headOf, type RequestBody, wholeOf } from './request-body.js';

// The body reader against a stream standing in for the request (the real one is exercised over HTTP
// by broker.integration.test.ts): limits, lengths and failures.

function request(chunks: (string | Buffer)[], headers: Record<string, string> = {}, fail?: Error): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  setImmediate(() => {
    for (const c of chunks) stream.write(c);
    if (fail) stream.destroy(fail);
    else stream.end();
  });
  return stream as unknown as IncomingMessage;
}

function collect(message: IncomingMessage, limit: number): Promise<RequestBody> {
  return new Promise((resolve, reject) => collectBody(message, limit, (error, body) => (error ? reject(error) : resolve(body as RequestBody))));
}

describe('request bodies in chunks', () => {
  it('keeps the chunks as they came and reads a head across them', async () => {
    const body = await collect(request([Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')], { 'content-length': '8' }), 100);
    expect(body.length).toBe(8);
    expect(body.chunks.map((c) => c.toString())).toEqual(['abc', 'defg', 'h']);
    expect(headOf(body, 2).toString()).toBe('ab');
    expect(headOf(body, 5).toString()).toBe('abcde');
    expect(headOf(body, 50).toString()).toBe('abcdefgh');
    expect(wholeOf(body).toString()).toBe('abcdefgh');
    expect(headOf(EMPTY_BODY, 4).length).toBe(0);
    expect(bodyOf(Buffer.alloc(0))).toBe(EMPTY_BODY);
  });

  it('refuses a declared or received length over the limit with PAYLOAD_TOO_LARGE', async () => {
    const declared = await collect(request(['x'], { 'content-length': '1000' }), 100).catch((e: unknown) => e);
    expect(isSplitflowError(declared, 'PAYLOAD_TOO_LARGE')).toBe(true);
    const received = await collect(request([Buffer.alloc(60), Buffer.alloc(60)]), 100).catch((e: unknown) => e);
    expect(isSplitflowError(received, 'PAYLOAD_TOO_LARGE')).toBe(true);
  });

  it('refuses a body whose length is not its content-length with INVALID_REQUEST', async () => {
    const short = await collect(request(['abc'], { 'content-length': '5' }), 100).catch((e: unknown) => e);
    expect(isSplitflowError(short, 'INVALID_REQUEST')).toBe(true);
    expect((short as Error).message).toMatch(/3 bytes but content-length says 5/);
  });

  it('passes a broken stream on as a 400-class error', async () => {
    const error = await collect(request(['ab'], {}, new Error('aborted')), 100).catch((e: unknown) => e);
    expect((error as Error).message).toBe('aborted');
    expect((error as { statusCode?: number }).statusCode).toBe(400);
  });
});
