import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerConfig, EndpointKind, ModelCatalog } from '@splitflow/contract';
import { echoManifest, echoModel } from '@splitflow/test-fixtures/echo-catalog';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// The broker in front of an OIP v2 server that is not ours: a small independent one written here on
// plain node:http, behaving as Triton does where it matters to a proxy. Its versions are integers
// ("1"), an unknown version is a 400, health "false" is a 400 with an empty body, server readiness and
// model readiness are separate, it sends none of our load headers, and it writes INT64 outputs in JSON
// exactly (text, not JavaScript numbers).

interface FakeTriton {
  url: string;
  paths: string[];
  serverReady: boolean;
  modelReady: boolean;
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });

/** Echoes each input as `<name>_out` in JSON: FP32 as numbers, INT64 as exact decimal text, BYTES as strings. */
function echoJson(header: { inputs: { name: string; datatype: string; shape: number[]; parameters?: Record<string, number> }[] }, binary: Buffer): string {
  let offset = 0;
  const outputs = header.inputs.map((input) => {
    const size = input.parameters?.binary_data_size ?? 0;
    const bytes = binary.subarray(offset, offset + size);
    offset += size;
    let data: string;
    if (input.datatype === 'INT64') data = [...new BigInt64Array(Uint8Array.from(bytes).buffer)].join(',');
    else if (input.datatype === 'FP32') data = [...new Float32Array(Uint8Array.from(bytes).buffer)].join(',');
    else {
      const values: string[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = bytes.readUInt32LE(at);
        values.push(JSON.stringify(bytes.subarray(at + 4, at + 4 + n).toString('utf8')));
        at += 4 + n;
      }
      data = values.join(',');
    }
    return `{"name":"${input.name}_out","datatype":"${input.datatype}","shape":[${input.shape.join(',')}],"data":[${data}]}`;
  });
  return `{"model_name":"echo","model_version":"1","outputs":[${outputs.join(',')}]}`;
}

async function startFakeTriton(): Promise<FakeTriton> {
  const state = { paths: [] as string[], serverReady: true, modelReady: true };
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0] as string;
    state.paths.push(`${req.method} ${path}`);
    const body = await read(req);
    const reply = (status: number, text = '') => res.writeHead(status, text ? { 'content-type': 'application/json' } : {}).end(text);
    if (path === '/v2/health/live') return reply(200);
    if (path === '/v2/health/ready') return reply(state.serverReady ? 200 : 400);
    const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(path);
    if (m?.[1] !== 'echo') return reply(400, JSON.stringify({ error: `Request for unknown model: '${m?.[1]}' is not found` }));
    if (m[2] !== undefined && m[2] !== '1') return reply(400, JSON.stringify({ error: `Request for unknown model: 'echo' version ${m[2]} is not found` }));
    if (m[3] === '/ready') return reply(state.modelReady ? 200 : 400);
    if (m[3] === undefined) return reply(200, JSON.stringify({ name: 'echo', versions: ['1'], platform: 'onnxruntime_onnx', inputs: [], outputs: [] }));
    const length = Number(req.headers['inference-header-content-length'] ?? body.length);
    return reply(200, echoJson(JSON.parse(body.subarray(0, length).toString('utf8')), body.subarray(length)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeTriton;
}

const KEY = 'foreign-pool-key-00001';
const auth = { authorization: `Bearer ${KEY}` };
let catalog: ModelCatalog;
beforeAll(() => {
  catalog = {
    catalogVersion: 1,
    thresholds: { maxLocalModelBytes: 1 << 20, minDeviceGflops: 1, latencyBudgetMs: 1000, privacy: 'any', mode: 'auto' },
    models: [echoManifest(echoModel(), '1.0.0')],
  };
});

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

async function brokerFor(url: string, kind: EndpointKind, versions?: Record<string, string>): Promise<Broker> {
  const config: BrokerConfig = {
    pools: [
      {
        name: kind,
        hardware: 'gpu',
        protocol: 'oip-v2',
        endpoints: [{ url, kind }],
        costPerHour: 1,
        maxConcurrency: 4,
        models: ['echo'],
        ...(versions ? { versions } : {}),
      },
    ],
    tenants: [{ id: 'acme', apiKeys: [KEY] }],
    health: { unhealthyAfter: 1 },
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  const broker = await buildBroker(config, { catalog, healthChecks: false });
  opened.push(broker);
  return broker;
}

const int64s = BigInt64Array.from([4611686018427387906n, -(2n ** 63n), 9007199254740993n]);
const f32 = Float32Array.from([0.1, -2.5, 3e-40]);
const texts = ['a', 'ünï', ''];

/** A binary request asking for JSON outputs (no binary_data_output): the pool writes INT64 as JSON text. */
function request(): { payload: Buffer; headers: Record<string, string> } {
  const s = Buffer.concat(texts.map((t) => Buffer.concat([Buffer.from(Uint32Array.from([Buffer.byteLength(t)]).buffer), Buffer.from(t)])));
  const parts = [Buffer.from(f32.buffer), Buffer.from(int64s.buffer), s];
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'f', datatype: 'FP32', shape: [3], parameters: { binary_data_size: parts[0]?.length } },
        { name: 'i', datatype: 'INT64', shape: [3], parameters: { binary_data_size: parts[1]?.length } },
        { name: 's', datatype: 'BYTES', shape: [3], parameters: { binary_data_size: parts[2]?.length } },
      ],
    }),
  );
  return { payload: Buffer.concat([header, ...parts]), headers: { ...auth, 'inference-header-content-length': String(header.length) } };
}

const infer = (broker: Broker, url: string) => broker.app.inject({ method: 'POST', url, ...request() });

describe('the broker in front of a Triton-style server', () => {
  it("forwards the catalog's version 1.0.0 as the pool's version 1, versioned or not", async () => {
    const triton = await startFakeTriton();
    opened.push(triton);
    const broker = await brokerFor(triton.url, 'triton', { echo: '1' });
    for (const url of ['/v2/models/echo/versions/1.0.0/infer', '/v2/models/echo/infer']) {
      const res = await infer(broker, url);
      expect([url, res.statusCode]).toEqual([url, 200]);
    }
    expect(triton.paths.filter((p) => p.startsWith('POST'))).toEqual(['POST /v2/models/echo/versions/1/infer', 'POST /v2/models/echo/versions/1/infer']);
    // A version the catalog does not have is refused at the broker, never forwarded.
    expect((await infer(broker, '/v2/models/echo/versions/1/infer')).json()).toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('a kserve pool without a version map gets the unversioned path (its own version policy)', async () => {
    const kserve = await startFakeTriton();
    opened.push(kserve);
    const broker = await brokerFor(kserve.url, 'kserve');
    expect((await infer(broker, '/v2/models/echo/versions/1.0.0/infer')).statusCode).toBe(200);
    expect(kserve.paths.filter((p) => p.startsWith('POST'))).toEqual(['POST /v2/models/echo/infer']);
  });

  it("passes the pool's JSON answer through with INT64 past 2^53 exact and the route added", async () => {
    const triton = await startFakeTriton();
    opened.push(triton);
    const broker = await brokerFor(triton.url, 'triton', { echo: '1' });
    const res = await infer(broker, '/v2/models/echo/versions/1.0.0/infer');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('"data":[4611686018427387906,-9223372036854775808,9007199254740993]');
    expect(res.body).toContain(`"data":[${[...f32].join(',')}]`);
    const body = JSON.parse(res.body) as { model_version: string; outputs: { data: unknown[] }[]; parameters: Record<string, unknown> };
    expect(body.outputs[2]?.data).toEqual(texts);
    expect(body.parameters).toMatchObject({ 'splitflow.pool': 'triton', 'splitflow.hardware': 'gpu' });
  });

  it('is ready only when the server and every model of the pool are ready there (Triton says 400 otherwise)', async () => {
    const triton = await startFakeTriton();
    opened.push(triton);
    const broker = await brokerFor(triton.url, 'triton', { echo: '1' });
    const ready = async () => {
      await broker.health.probeAll();
      const server = await broker.app.inject('/v2/health/ready');
      const model = await broker.app.inject({ url: '/v2/models/echo/ready', headers: auth });
      return [server.statusCode, model.statusCode, server.body];
    };
    triton.serverReady = false;
    expect(await ready()).toEqual([400, 400, '']);
    triton.serverReady = true;
    expect(await ready()).toEqual([200, 200, '']);
    // The server is up but the model is not (Triton without strict readiness): not ready for it.
    triton.modelReady = false;
    expect(await ready()).toEqual([400, 400, '']);
    expect(triton.paths).toContain('GET /v2/models/echo/versions/1/ready');
    triton.modelReady = true;
    expect(await ready()).toEqual([200, 200, '']);
  });

  it("adds the pool's platform and versions to the model's metadata; names and tensors stay the catalog's", async () => {
    const triton = await startFakeTriton();
    opened.push(triton);
    const broker = await brokerFor(triton.url, 'triton', { echo: '1' });
    await broker.health.probeAll();
    const meta = (await broker.app.inject({ url: '/v2/models/echo', headers: auth })).json();
    expect(meta).toMatchObject({
      name: 'echo',
      versions: ['1.0.0'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'f' }, { name: 'i' }, { name: 's' }],
      properties: { 'triton.kind': 'triton', 'triton.versions': '1', 'triton.platform': 'onnxruntime_onnx' },
    });
  });

  it('never says ready while its only endpoint is not listening', async () => {
    const gone = await startFakeTriton();
    const url = gone.url;
    await gone.close();
    const broker = await brokerFor(url, 'worker');
    expect((await broker.app.inject('/v2/health/ready')).statusCode).toBe(400);
    await broker.health.probeAll();
    const res = await broker.app.inject('/v2/health/ready');
    expect([res.statusCode, res.body, res.headers['splitflow-not-ready']]).toEqual([400, '', 'NO_CAPACITY']);
  });
});
