import { randomFillSync, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[\w.:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The client's `x-request-id` when it is a sane token, else a fresh UUID: it goes into every log line and to the worker. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/** W3C trace context: a valid `traceparent` passes through unchanged; a missing or invalid one starts a trace here. */
export function traceparentOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && TRACEPARENT.test(value) && !value.startsWith('ff')) return value;
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

// Two randomBytes() calls per request cost several microseconds on the hot path (each a trip into
// OpenSSL); the same CSPRNG filling 4 KiB at a time costs a fraction of that per id.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
