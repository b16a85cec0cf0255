import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createUpstream, type UpstreamOptions } from './upstream.js';

/**
 * Sends `count` requests at once to a real server that holds every request until `expected` are held
 * at once, then answers all (and those that follow). Each held request occupies a connection of its
 * own (no pipelining), so the most connections open at once is what the client allows; the test
 * waits for the held count, never for a quiet period.
 */
async function connectionsAtOnce(count: number, expected: number, options: UpstreamOptions): Promise<{ mostOpen: number; answered: number }> {
  const held: ServerResponse[] = [];
  let releasing = false;
  let full: () => void = () => {};
  const allHeld = new Promise<void>((resolve) => {
    full = resolve;
  });
  let open = 0;
  let mostOpen = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (releasing) {
        res.end('{}');
        return;
      }
      held.push(res);
      if (held.length === expected) full();
    });
  });
  server.on('connection', (socket) => {
    open++;
    mostOpen = Math.max(mostOpen, open);
    socket.once('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const upstream = createUpstream(options);
  try {
    const answers = Array.from({ length: count }, () =>
      upstream.request(url, {
        method: 'POST',
        path: '/v2/models/m/infer',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{}'),
        timeoutMs: 60_000,
      }),
    );
    await allHeld;
    releasing = true;
    for (const res of held.splice(0)) res.end('{}');
    const results = await Promise.all(answers);
    return { mostOpen, answered: results.filter((r) => r.status === 200).length };
  } finally {
    await upstream.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('upstream connections', () => {
  it('sends as many requests at once as connectionsFor allows for the endpoint, and answers all', async () => {
    expect(await connectionsAtOnce(100, 100, { connectionsFor: () => 100 })).toEqual({ mostOpen: 100, answered: 100 });
  });

  it('without it, 64 at a time: the rest wait in the client', async () => {
    expect(await connectionsAtOnce(100, 64, {})).toEqual({ mostOpen: 64, answered: 100 });
  });

  it('with connectionsFor 8, never more than 8 connections, and every request answered', async () => {
    expect(await connectionsAtOnce(40, 8, { connectionsFor: () => 8 })).toEqual({ mostOpen: 8, answered: 40 });
  });
});
