import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createUpstream, type UpstreamOptions } from './upstream.js';

/** Sends `count` requests at once to a real server that holds each until all it will see have come; returns how many it held at once. */
async function heldAtOnce(count: number, options: UpstreamOptions): Promise<{ peak: number; answered: number }> {
  const held: ServerResponse[] = [];
  let peak = 0;
  let settle: () => void = () => {};
  const quiet = () => {
    // Nothing more arrives within 200 ms: the client has sent all it will at once.
    clearTimeout(timer);
    timer = setTimeout(settle, 200);
  };
  let timer: NodeJS.Timeout | undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      peak = Math.max(peak, held.length);
      quiet();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const upstream = createUpstream(options);
  try {
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const answers = Array.from({ length: count }, () =>
      upstream.request(url, {
        method: 'POST',
        path: '/v2/models/m/infer',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{}'),
        timeoutMs: 10_000,
      }),
    );
    await settled;
    const atOnce = peak;
    // Answer everything, including what the client sends once connections free up.
    const release = setInterval(() => {
      for (const res of held.splice(0)) res.end('{}');
    }, 5);
    const results = await Promise.all(answers);
    clearInterval(release);
    return { peak: atOnce, answered: results.filter((r) => r.status === 200).length };
  } finally {
    clearTimeout(timer);
    await upstream.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('upstream connections', () => {
  it('sends as many requests at once as connectionsFor allows for the endpoint, and answers all', async () => {
    expect(await heldAtOnce(100, { connectionsFor: () => 100 })).toEqual({ peak: 100, answered: 100 });
  });

  it('without it, 64 at a time: the rest wait in the client', async () => {
    expect(await heldAtOnce(100, {})).toEqual({ peak: 64, answered: 100 });
  });
});
