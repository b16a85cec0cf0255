import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShapedLink } from './shaped-link.js';

// A real HTTP server behind the shaping proxy, on loopback: bytes arrive whole and in order, and a
// transfer takes at least what the profile's bandwidth and round trip allow (a lower bound only: a
// busy machine can make it slower, never faster).
let server: Server;
let target: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('down') ?? 0);
      res.setHeader('x-received', String(body.byteLength));
      res.setHeader('x-sum', String(body.reduce((a, b) => (a * 31 + b) % 1_000_003, 7)));
      res.end(Buffer.alloc(size, 1));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('startShapedLink', () => {
  it('carries a request and its answer whole and in order, and counts the bytes each way', async () => {
    const link = await startShapedLink(target, { rttMs: 2, upMbps: 50, downMbps: 50 });
    try {
      const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251));
      const res = await fetch(`${link.url}/echo?down=120000`, { method: 'POST', body });
      const answer = Buffer.from(await res.arrayBuffer());
      expect(res.headers.get('x-received')).toBe('300000');
      expect(res.headers.get('x-sum')).toBe(String(body.reduce((a, b) => (a * 31 + b) % 1_000_003, 7)));
      expect(answer.byteLength).toBe(120_000);
      const { up, down } = link.counters();
      expect(up).toBeGreaterThan(300_000);
      expect(down).toBeGreaterThan(120_000);
      expect(up).toBeLessThan(301_000);
    } finally {
      await link.close();
    }
  });

  it('takes at least the round trips and the time at the bandwidth of each direction', async () => {
    // 100 kB up at 1 Mbit/s is 800 ms; 25 kB down at 2 Mbit/s is 100 ms; a new connection pays one
    // round trip more, and the request and answer one each.
    const link = await startShapedLink(target, { rttMs: 100, upMbps: 1, downMbps: 2 });
    try {
      const started = performance.now();
      const res = await fetch(`${link.url}/x?down=25000`, { method: 'POST', body: Buffer.alloc(100_000) });
      await res.arrayBuffer();
      expect(performance.now() - started).toBeGreaterThanOrEqual(800 + 100 + 2 * 100);
    } finally {
      await link.close();
    }
  });
});
