import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BINARY_HEADER, decodeInferRequest, encodeInferResponse, isSplitflowError, type NamedTensor, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCodeOf } from '../testing/error-code.js';
import { createCloudClient } from './cloud-client.js';

interface Seen {
  at: number;
  contentType: string | undefined;
  authorization: string | undefined;
  parameters: Record<string, unknown> | undefined;
}

/** Answers the request itself and returns true, or returns false to let the server echo. */
type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, n: number) => boolean;

/** A real OIP v2 server on loopback that echoes its inputs as outputs after `handler` lets it. */
async function startServer(handler?: Handler): Promise<{ url: string; server: Server; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === '/v2/health/ready') return void res.end();
    let parameters: Record<string, unknown> | undefined;
    try {
      parameters = decodeInferRequest(new Uint8Array(body), req.headers[BINARY_HEADER] as string | undefined).request.parameters;
    } catch {}
    seen.push({ at: performance.now(), contentType: req.headers['content-type'], authorization: req.headers.authorization, parameters });
    if (handler?.(req, res, body, seen.length)) return;
    const decoded = decodeInferRequest(new Uint8Array(body), req.headers[BINARY_HEADER] as string | undefined);
    const out = encodeInferResponse({
      model_name: 'echo',
      outputs: decoded.inputs.map((t) => ({ ...t, name: `${t.name}_out` })),
      binary: decoded.wantsBinary,
      parameters: { [SPLITFLOW_PARAMS.queueUs]: 1500, [SPLITFLOW_PARAMS.computeUs]: 2500, [SPLITFLOW_PARAMS.pool]: 'cpu-a' },
    });
    res.writeHead(200, out.headers).end(out.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const tensor = (n: number): NamedTensor => ({ name: 'x', datatype: 'FP32', shape: [1, n], data: Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3) });

const code = errorCodeOf;

describe('cloud client against a real OIP v2 server on loopback', () => {
  it('sends small tensors as JSON with deadline, priority and API key, and reads the route back', async () => {
    const { url, seen } = await startServer();
    const client = createCloudClient({ url, apiKey: 'k-123' });
    const reply = await client.infer('echo', [tensor(16)], { budgetMs: 2000, priority: 'batch' });
    expect(Array.from(reply.outputs[0]?.data as Float32Array)).toEqual(Array.from(tensor(16).data as Float32Array));
    expect(reply.outputs[0]?.name).toBe('x_out');
    expect(reply.binary).toBe(false);
    expect(seen[0]?.contentType).toMatch(/application\/json/);
    expect(seen[0]?.authorization).toBe('Bearer k-123');
    expect(seen[0]?.parameters).toMatchObject({ [SPLITFLOW_PARAMS.deadlineMs]: 2000, [SPLITFLOW_PARAMS.priority]: 'batch' });
    expect(reply.info).toEqual({ queueUs: 1500, computeUs: 2500, pool: 'cpu-a' });
    expect(reply.attempts).toBe(1);
  });

  it('sends large tensors in the binary extension and decodes binary outputs', async () => {
    const { url, seen } = await startServer();
    const client = createCloudClient({ url });
    const big = tensor(32 * 1024);
    const reply = await client.infer('echo', [big], { budgetMs: 5000 });
    expect(reply.binary).toBe(true);
    expect(seen[0]?.contentType).toBe('application/octet-stream');
    expect(reply.outputs[0]?.data).toEqual(big.data);
    expect(reply.requestBytes).toBeGreaterThan(128 * 1024);
  });

  it('retries 429 and 503, waiting the Retry-After each time, then succeeds', async () => {
    const { url, seen } = await startServer((_req, res, _body, n) => {
      if (n === 1)
        res.writeHead(429, { 'retry-after': '0.15', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'slow down', code: 'RATE_LIMITED' }));
      if (n === 2) res.writeHead(503, { 'retry-after': '0.1', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'full', code: 'OVERLOADED' }));
      return n <= 2;
    });
    const reply = await createCloudClient({ url }).infer('echo', [tensor(4)], { budgetMs: 3000 });
    expect(reply.attempts).toBe(3);
    expect(seen).toHaveLength(3);
    expect((seen[1]?.at as number) - (seen[0]?.at as number)).toBeGreaterThanOrEqual(140);
    expect((seen[2]?.at as number) - (seen[1]?.at as number)).toBeGreaterThanOrEqual(90);
  });

  it('retries a 503 without Retry-After with jittered backoff', async () => {
    const { url, seen } = await startServer((_req, res, _body, n) => {
      if (n <= 2) res.writeHead(503).end();
      return n <= 2;
    });
    const reply = await createCloudClient({ url, backoffMs: 5 }).infer('echo', [tensor(4)], { budgetMs: 3000 });
    expect(reply.attempts).toBe(3);
    expect(seen).toHaveLength(3);
  });

  it('gives up at once when the Retry-After does not fit the budget, with the server code and retry hint', async () => {
    const { url, seen } = await startServer((_req, res) => {
      res
        .writeHead(503, { 'retry-after': '5', 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'no pool meets it', code: 'DEADLINE_UNMEETABLE' }));
      return true;
    });
    let error: unknown;
    await createCloudClient({ url })
      .infer('echo', [tensor(4)], { budgetMs: 500 })
      .catch((e) => {
        error = e;
      });
    // Had it waited the 5 s, the 500 ms budget would have ended it as TIMEOUT instead.
    expect(isSplitflowError(error, 'DEADLINE_UNMEETABLE')).toBe(true);
    expect((error as { retryAfterS: number }).retryAfterS).toBe(5);
    expect(seen).toHaveLength(1);
  });

  it('tells the server the time left on each retry, not the whole budget', async () => {
    const { url, seen } = await startServer((_req, res, _body, n) => {
      if (n === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      return n === 1;
    });
    for (const [elements, binaryThreshold] of [
      [4, 1 << 20],
      [1 << 15, 1],
    ] as const) {
      seen.length = 0;
      const reply = await createCloudClient({ url, binaryThreshold }).infer('echo', [tensor(elements)], { budgetMs: 5000 });
      expect(reply.attempts).toBe(2);
      expect(reply.outputs[0]?.data).toEqual(tensor(elements).data);
      const [first, second] = seen.map((s) => s.parameters?.[SPLITFLOW_PARAMS.deadlineMs] as number);
      expect(first).toBe(5000);
      // The retry waited the 1 s Retry-After, so at most 4 s were left.
      expect(second).toBeGreaterThan(0);
      expect(second).toBeLessThanOrEqual(4000);
    }
  });

  it('sends every tensor binary when the call asks, below the threshold too', async () => {
    const { url } = await startServer();
    const client = createCloudClient({ url });
    const small = tensor(4);
    const plain = await client.infer('echo', [small], { budgetMs: 5000 });
    const binary = await client.infer('echo', [small], { budgetMs: 5000, binary: true });
    expect(plain.binary).toBe(false);
    expect(binary.binary).toBe(true);
    expect(binary.outputs[0]?.data).toEqual(small.data);
  });

  it('times the headers of the answer apart from its body, on the clock it is given', async () => {
    const { url } = await startServer();
    let t = 0;
    // Each reading is 10 ms after the last: the call starts at 10, the headers are read at 20, the body at 30.
    const client = createCloudClient({ url, now: () => (t += 10) });
    const reply = await client.infer('echo', [tensor(4)], { budgetMs: 5000 });
    expect(reply.headersMs).toBe(10);
    expect(reply.wallMs).toBe(20);
  });

  it('learns from the model metadata whether the endpoint serves a model', async () => {
    const { url } = await startServer((req, res) => {
      const json = { 'content-type': 'application/json' };
      if (req.url === '/v2/models/echo')
        res.writeHead(200, json).end(JSON.stringify({ name: 'echo', versions: ['1'], platform: 'x', inputs: [], outputs: [] }));
      else if (req.url === '/v2/models/gone')
        res.writeHead(404, json).end(JSON.stringify({ error: 'no model "gone" is served here', code: 'MODEL_NOT_FOUND' }));
      else res.writeHead(401, json).end(JSON.stringify({ error: 'bad key', code: 'UNAUTHORIZED' }));
      return true;
    });
    const client = createCloudClient({ url });
    expect(await client.serves('echo')).toBe(true);
    expect(await client.serves('gone')).toBe(false);
    // A refusal is not an answer about the model: it stays an error.
    expect(await code(client.serves('locked'))).toBe('UNAUTHORIZED');
  });

  it('does not retry other errors, and maps statuses without a code', async () => {
    const { url, seen } = await startServer((req, res) => {
      if (req.url?.includes('missing')) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no such model' }));
      else res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'boom', code: 'INFERENCE_FAILED' }));
      return true;
    });
    const client = createCloudClient({ url });
    expect(await code(client.infer('missing', [tensor(4)], { budgetMs: 1000 }))).toBe('MODEL_NOT_FOUND');
    expect(await code(client.infer('echo', [tensor(4)], { budgetMs: 1000 }))).toBe('INFERENCE_FAILED');
    expect(seen).toHaveLength(2);
  });

  it('times out at the budget', async () => {
    const { url } = await startServer((_req, res) => {
      setTimeout(() => res.writeHead(200).end('{}'), 2000).unref();
      return true;
    });
    expect(await code(createCloudClient({ url }).infer('echo', [tensor(4)], { budgetMs: 150 }))).toBe('TIMEOUT');
  });

  it('reports a refused connection as NETWORK and a caller abort as ABORTED', async () => {
    const { url, server } = await startServer();
    servers.splice(servers.indexOf(server), 1);
    await new Promise((r) => server.close(r));
    expect(await code(createCloudClient({ url }).infer('echo', [tensor(4)], { budgetMs: 1000 }))).toBe('NETWORK');
    const live = await startServer((_req, res) => Boolean(setTimeout(() => res.end(), 2000).unref()));
    const controller = new AbortController();
    const pending = createCloudClient({ url: live.url }).infer('echo', [tensor(4)], { budgetMs: 5000, signal: controller.signal });
    controller.abort();
    expect(await code(pending)).toBe('ABORTED');
  });

  it('rejects a malformed response body with UPSTREAM_FAILED', async () => {
    const { url } = await startServer((_req, res) => Boolean(res.writeHead(200, { 'content-type': 'application/json' }).end('{"outputs": 3}')));
    expect(await code(createCloudClient({ url }).infer('echo', [tensor(4)], { budgetMs: 1000 }))).toBe('UPSTREAM_FAILED');
  });

  it('measures a round trip with ping, whether or not the server says it is ready; no answer at all is NETWORK', async () => {
    const { url } = await startServer();
    expect(await createCloudClient({ url }).ping()).toBeGreaterThan(0);
    // A broker whose pools are still starting answers not-ready: the round trip is as real.
    const starting = await startServer();
    starting.server.removeAllListeners('request');
    starting.server.on('request', (_req, res) => res.writeHead(400, { 'splitflow-not-ready': 'NO_CAPACITY', 'retry-after': '1' }).end());
    expect(await createCloudClient({ url: starting.url }).ping()).toBeGreaterThan(0);
    const gone = await startServer();
    gone.server.closeAllConnections();
    await new Promise((r) => gone.server.close(r));
    expect(await code(createCloudClient({ url: gone.url }).ping())).toBe('NETWORK');
  });
});
