import { type BrokerConfig, type ModelCatalog, type ModelManifest, splitBody } from '@splitflow/contract';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Broker, buildBroker } from './build-broker.js';
import { createLogger } from './observability/logger.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './proxy/upstream.js';

// Unit tests: the broker is injected with requests (no listening socket). The pools sit behind a
// recording stand-in of the Upstream seam, which the integration tests exercise for real.

const KEY = 'acme-secret-key-0001';
const OTHER = 'zeta-secret-key-0002';
const auth = { authorization: `Bearer ${KEY}` };

const mlp: ModelManifest = {
  id: 'mlp',
  version: '1',
  task: 'test',
  format: 'onnx',
  files: [{ path: 'mlp.onnx', bytes: 10, sha256: 'a'.repeat(64) }],
  inputs: [{ name: 'x', datatype: 'FP32', shape: ['batch', 4] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: ['batch', 3] }],
  batchDim: 'batch',
  dimBounds: { batch: { min: 1, max: 64 } },
  cost: { flops: [{ coefficient: 100, dims: { batch: 1 } }], parameterBytes: 10, activationBytes: [] },
};
const catalog: ModelCatalog = {
  catalogVersion: 1,
  thresholds: { maxLocalModelBytes: 1 << 20, minDeviceGflops: 1, latencyBudgetMs: 1000, privacy: 'any', mode: 'auto' },
  models: [mlp],
};

function config(over: Partial<BrokerConfig> = {}): BrokerConfig {
  return {
    pools: [
      {
        name: 'cpu',
        hardware: 'cpu',
        protocol: 'oip-v2',
        endpoints: [{ url: 'http://cpu-a.test:1' }, { url: 'http://cpu-b.test:1' }],
        costPerHour: 0.1,
        maxConcurrency: 4,
        models: ['mlp'],
      },
    ],
    tenants: [
      { id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 1000, burst: 1000 } },
      { id: 'zeta', apiKeys: [OTHER] },
    ],
    limits: { maxBodyBytes: 4096 },
    cors: { origins: ['https://app.example.com'] },
    jobs: { store: 'memory' },
    log: { level: 'silent' },
    ...over,
  };
}

interface Recorded extends UpstreamRequest {
  url: string;
}

/** Answers like a Splitflow worker (y = first 3 of x per row), or as `script` says for a given endpoint. */
function fakeUpstream(script: (url: string, call: number) => UpstreamResponse | Error | undefined = () => undefined): Upstream & { calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    calls,
    async request(url, req) {
      // Bodies come as one buffer or in the chunks they arrived in; recorded whole.
      const whole = Array.isArray(req.body) ? Buffer.concat(req.body as Uint8Array[]) : req.body;
      calls.push({ ...req, ...(whole !== undefined ? { body: whole as Uint8Array } : {}), url });
      if (req.method === 'GET') return { status: 200, headers: {}, body: Buffer.from('{}') };
      const scripted = script(url, calls.length);
      if (scripted instanceof Error) throw scripted;
      if (scripted) return scripted;
      const body = splitBody(whole as Uint8Array, req.headers?.['inference-header-content-length']).header as { inputs: { shape: number[] }[] };
      const rows = body.inputs[0]!.shape[0]!;
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'splitflow-queue-us': '5', 'splitflow-compute-us': '40', 'splitflow-queue-depth': '0' },
        body: Buffer.from(
          JSON.stringify({
            model_name: 'mlp',
            model_version: '1',
            outputs: [{ name: 'y', datatype: 'FP32', shape: [rows, 3], data: new Array(rows * 3).fill(1) }],
          }),
        ),
      };
    },
    async close() {},
  };
}

const brokers: Broker[] = [];
async function make(over: Partial<BrokerConfig> = {}, upstream = fakeUpstream()): Promise<{ broker: Broker; upstream: typeof upstream }> {
  const broker = await buildBroker(config(over), { catalog, upstream, healthChecks: false });
  brokers.push(broker);
  return { broker, upstream };
}
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

const request = (rows = 1, parameters: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data: new Array(rows * 4).fill(0.5) }],
  parameters,
});

function infer(broker: Broker, payload: unknown, headers: Record<string, string> = auth, url = '/v2/models/mlp/infer') {
  return broker.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('broker: OIP surface', () => {
  it("places by the config's placement policy: round-robin alternates endpoints and says so in the route", async () => {
    const { broker, upstream } = await make({ placement: 'round-robin' });
    const reasons: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await infer(broker, request());
      expect(res.statusCode).toBe(200);
      reasons.push(res.json().parameters['splitflow.reason']);
    }
    expect(upstream.calls.map((c) => c.url)).toEqual(['http://cpu-a.test:1', 'http://cpu-b.test:1', 'http://cpu-a.test:1', 'http://cpu-b.test:1']);
    expect(new Set(reasons)).toEqual(new Set(['round-robin']));
    await expect(make({ placement: 'random' as never })).rejects.toThrow(/placement/);
  });

  it('answers server metadata, liveness, readiness and model metadata from the catalog and pools', async () => {
    const { broker } = await make();
    expect((await broker.app.inject('/v2')).json()).toMatchObject({ name: 'splitflow-broker', extensions: expect.arrayContaining(['binary_tensor_data']) });
    expect((await broker.app.inject('/v2/')).json()).toEqual((await broker.app.inject('/v2')).json());
    const live = await broker.app.inject('/v2/health/live');
    expect([live.statusCode, live.body]).toEqual([200, '']);
    // No endpoint has shown it can serve yet: OIP's "false" is a 4xx with an empty body.
    const before = await broker.app.inject('/v2/health/ready');
    expect([before.statusCode, before.body, before.headers['splitflow-not-ready']]).toEqual([400, '', 'NO_CAPACITY']);
    const modelBefore = await broker.app.inject({ url: '/v2/models/mlp/ready', headers: auth });
    expect([modelBefore.statusCode, modelBefore.body]).toEqual([400, '']);
    await broker.health.probeAll();
    const ready = await broker.app.inject('/v2/health/ready');
    expect([ready.statusCode, ready.body]).toEqual([200, '']);
    const meta = await broker.app.inject({ url: '/v2/models/mlp', headers: auth });
    expect(meta.statusCode).toBe(200);
    expect(meta.json()).toMatchObject({
      name: 'mlp',
      versions: ['1'],
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      properties: { pools: 'cpu' },
    });
    const modelReady = await broker.app.inject({ url: '/v2/models/mlp/versions/1/ready', headers: auth });
    expect([modelReady.statusCode, modelReady.body]).toEqual([200, '']);
    expect((await broker.app.inject({ url: '/v2/models/mlp/versions/2', headers: auth })).json()).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect((await broker.app.inject({ url: '/v2/models/nope', headers: auth })).statusCode).toBe(404);
    expect((await broker.app.inject({ url: '/nowhere' })).json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('proxies an inference, adds the route and passes request id and traceparent to the worker', async () => {
    const { broker, upstream } = await make();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await infer(broker, request(2), { ...auth, 'x-request-id': 'req-42', traceparent });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.outputs[0].shape).toEqual([2, 3]);
    expect(body.parameters).toMatchObject({
      'splitflow.pool': 'cpu',
      'splitflow.hardware': 'cpu',
      'splitflow.queue_us': 5,
      'splitflow.compute_us': 40,
      'splitflow.reason': 'cheapest-meeting-deadline',
    });
    expect(body.parameters['splitflow.cost_usd']).toBeGreaterThan(0);
    expect(res.headers['x-request-id']).toBe('req-42');
    expect(res.headers['splitflow-pool']).toBe('cpu');
    const sent = upstream.calls.find((c) => c.method === 'POST')!;
    expect(sent.path).toBe('/v2/models/mlp/infer');
    expect(sent.headers).toMatchObject({ 'x-request-id': 'req-42', traceparent });
    expect(sent.headers).not.toHaveProperty('authorization');
  });

  it('starts a trace when the client sends none (or an invalid one)', async () => {
    const { broker, upstream } = await make();
    await infer(broker, request(), { ...auth, traceparent: 'garbage' });
    expect(upstream.calls[0]!.headers!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('passes binary (Triton extension) bodies through byte for byte', async () => {
    const { broker, upstream } = await make();
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }));
    const payload = Buffer.concat([header, Buffer.from(new Float32Array([1, 2, 3, 4]).buffer)]);
    const res = await broker.app.inject({
      method: 'POST',
      url: '/v2/models/mlp/infer',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      payload,
    });
    expect(res.statusCode).toBe(200);
    const sent = upstream.calls[0]!;
    expect(Buffer.from(sent.body as Uint8Array).equals(payload)).toBe(true);
    expect(sent.headers!['inference-header-content-length']).toBe(String(header.length));
  });
});

describe('broker: admission', () => {
  it('refuses requests without a key, with an unknown key or a malformed header with 401', async () => {
    const { broker, upstream } = await make();
    for (const headers of [{}, { authorization: 'Bearer not-a-known-key-xyz' }, { authorization: KEY }] as Record<string, string>[]) {
      const res = await infer(broker, request(), headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
    expect((await broker.app.inject({ url: '/v2/models/mlp' })).statusCode).toBe(401);
    expect(upstream.calls).toHaveLength(0);
  });

  it('admits keyless requests as "anonymous" only when configured', async () => {
    const { broker } = await make({ anonymous: { rateLimit: { requestsPerSecond: 1, burst: 1 } } });
    expect((await infer(broker, request(), {})).statusCode).toBe(200);
    const limited = await infer(broker, request(), {});
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
  });

  it("answers 429 RATE_LIMITED with Retry-After over a tenant's rate, without touching other tenants", async () => {
    const { broker } = await make({
      tenants: [
        { id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 0.5, burst: 2 } },
        { id: 'zeta', apiKeys: [OTHER] },
      ],
    });
    expect((await infer(broker, request())).statusCode).toBe(200);
    expect((await infer(broker, request())).statusCode).toBe(200);
    const res = await infer(broker, request());
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', details: { tenant: 'acme', limit: 'rate' } });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await infer(broker, request(), { authorization: `Bearer ${OTHER}` })).statusCode).toBe(200);
  });

  it('answers 429 DEADLINE_UNMEETABLE with Retry-After when no pool can meet a named deadline', async () => {
    const { broker, upstream } = await make();
    const res = await infer(broker, request(1, { 'splitflow.deadline_ms': 0.0001 }));
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('DEADLINE_UNMEETABLE');
    expect(res.headers['retry-after']).toBe('1');
    expect(upstream.calls).toHaveLength(0);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const { broker } = await make();
    const preflight = (origin: string) =>
      broker.app.inject({
        method: 'OPTIONS',
        url: '/v2/models/mlp/infer',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await preflight('https://app.example.com');
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('authorization');
    expect((await preflight('https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();
    const simple = await infer(broker, request(), { ...auth, origin: 'https://app.example.com' });
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example.com');
    // The admitted origin may read the request's Resource Timing; another origin may not.
    expect(simple.headers['timing-allow-origin']).toBe('https://app.example.com');
    const other = await infer(broker, request(), { ...auth, origin: 'https://evil.example.com' });
    expect(other.headers['timing-allow-origin']).toBeUndefined();
  });

  it('admits pages with an opaque origin (Origin: null) only when "null" is listed', async () => {
    const preflight = (broker: Broker) =>
      broker.app.inject({
        method: 'OPTIONS',
        url: '/v2/models/mlp/infer',
        headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const { broker: closed } = await make();
    expect((await preflight(closed)).headers['access-control-allow-origin']).toBeUndefined();
    const { broker: open } = await make({ cors: { origins: ['https://app.example.com', 'null'] } });
    expect((await preflight(open)).headers['access-control-allow-origin']).toBe('null');
    const simple = await infer(open, request(), { ...auth, origin: 'null' });
    expect(simple.statusCode).toBe(200);
    expect(simple.headers['access-control-allow-origin']).toBe('null');
  });
});

describe('broker: every bad input is a 4xx with a stable code', () => {
  const header = (h: object) => Buffer.from(JSON.stringify(h));
  const cases: [string, unknown, Record<string, string>, number, string][] = [
    ['not JSON', '{"inputs": [', {}, 400, 'INVALID_REQUEST'],
    ['a JSON array', '[1,2]', {}, 400, 'INVALID_REQUEST'],
    ['no inputs', { parameters: {} }, {}, 400, 'INVALID_REQUEST'],
    ['an empty body', '', {}, 400, 'INVALID_REQUEST'],
    ['a wrong input name', { inputs: [{ name: 'z', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }, {}, 400, 'INVALID_TENSOR'],
    ['a wrong datatype', { inputs: [{ name: 'x', datatype: 'INT8', shape: [1, 4], data: [1, 2, 3, 4] }] }, {}, 400, 'INVALID_TENSOR'],
    ['an unknown datatype', { inputs: [{ name: 'x', datatype: 'FP99', shape: [1, 4], data: [1, 2, 3, 4] }] }, {}, 400, 'INVALID_TENSOR'],
    ['a wrong fixed dim', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }] }, {}, 400, 'INVALID_TENSOR'],
    ['a batch over its bound', { inputs: [{ name: 'x', datatype: 'FP32', shape: [65, 4], data: [] }] }, {}, 400, 'INVALID_TENSOR'],
    ['a negative dim', { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4], data: [] }] }, {}, 400, 'INVALID_REQUEST'],
    ['no data', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }] }, {}, 400, 'INVALID_REQUEST'],
    ['an unknown output', { ...request(), outputs: [{ name: 'nope' }] }, {}, 400, 'INVALID_REQUEST'],
    ['a bad deadline', request(1, { 'splitflow.deadline_ms': 'soon' }), {}, 400, 'INVALID_REQUEST'],
    ['a negative deadline', request(1, { 'splitflow.deadline_ms': -5 }), {}, 400, 'INVALID_REQUEST'],
    ['a bad priority', request(1, { 'splitflow.priority': 'urgent' }), {}, 400, 'INVALID_REQUEST'],
    ['a bad mode', request(1, { 'splitflow.mode': 'later' }), {}, 400, 'INVALID_REQUEST'],
    ['a body over the limit', request(300), {}, 413, 'PAYLOAD_TOO_LARGE'],
    ['text/plain that is not JSON', 'hello', { 'content-type': 'text/plain' }, 400, 'INVALID_REQUEST'],
    [
      'a binary size past the end',
      Buffer.concat([header({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 32 } }] }), Buffer.alloc(16)]),
      { 'content-type': 'application/octet-stream', 'inference-header-content-length': '87' },
      400,
      'INVALID_REQUEST',
    ],
    [
      'a header length past the end',
      Buffer.alloc(8),
      { 'content-type': 'application/octet-stream', 'inference-header-content-length': '999' },
      400,
      'INVALID_REQUEST',
    ],
    [
      'a non-numeric header length',
      Buffer.alloc(8),
      { 'content-type': 'application/octet-stream', 'inference-header-content-length': 'x' },
      400,
      'INVALID_REQUEST',
    ],
  ];

  it.each(cases)('%s', async (_name, payload, headers, status, code) => {
    const { broker, upstream } = await make();
    const res = await broker.app.inject({
      method: 'POST',
      url: '/v2/models/mlp/infer',
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
    });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code, error: expect.any(String) });
    expect(upstream.calls).toHaveLength(0);
    // and the broker still serves the next request
    expect((await infer(broker, request())).statusCode).toBe(200);
  });

  it('answers 404 MODEL_NOT_FOUND for unknown models and versions', async () => {
    const { broker } = await make();
    expect((await infer(broker, request(), auth, '/v2/models/nope/infer')).json().code).toBe('MODEL_NOT_FOUND');
    expect((await infer(broker, request(), auth, '/v2/models/mlp/versions/9/infer')).statusCode).toBe(404);
    expect((await infer(broker, request(), auth, '/v2/models/mlp/versions/1/infer')).statusCode).toBe(200);
  });
});

describe('broker: retries', () => {
  it('tries another endpoint after a connection error or a 5xx; the client sees one answer', async () => {
    const upstream = fakeUpstream((url) => (url.includes('cpu-a') ? new Error('ECONNREFUSED') : undefined));
    const { broker } = await make({}, upstream);
    for (let i = 0; i < 6; i++) expect((await infer(broker, request())).statusCode).toBe(200);
    // After two failures cpu-a is ejected and no longer tried.
    expect(upstream.calls.filter((c) => c.url.includes('cpu-a')).length).toBeLessThanOrEqual(2);
    expect(broker.scheduler.pools[0]!.endpoints[0]!.healthy).toBe(false);
    const metrics = (await broker.app.inject('/metrics')).body;
    expect(metrics).toMatch(/splitflow_broker_retries_total\{pool="cpu"\} [12]/);
  });

  it('never retries a 4xx from the worker', async () => {
    const fourxx = { status: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error":"bad tensor","code":"INVALID_TENSOR"}') };
    const upstream = fakeUpstream(() => fourxx);
    const { broker } = await make({}, upstream);
    const res = await infer(broker, request());
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_TENSOR');
    expect(upstream.calls).toHaveLength(1);
  });

  it('returns the last failure when every attempt fails', async () => {
    const upstream = fakeUpstream(() => ({
      status: 500,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"error":"boom","code":"INFERENCE_FAILED"}'),
    }));
    const { broker } = await make({ limits: { maxAttempts: 3 } }, upstream);
    const res = await infer(broker, request());
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('INFERENCE_FAILED');
    expect(upstream.calls).toHaveLength(2); // two endpoints, each tried once
  });
});

describe('broker: async jobs (memory store)', () => {
  it('answers 202 with a job id and serves the result by id to its tenant only', async () => {
    const { broker } = await make();
    const res = await infer(broker, request(3, { 'splitflow.mode': 'async' }));
    expect(res.statusCode).toBe(202);
    const { id } = res.json() as { id: string };
    expect(res.headers.location).toBe(`/v2/jobs/${id}`);
    const done = await vi.waitFor(
      async () => {
        const r = await broker.app.inject({ url: `/v2/jobs/${id}`, headers: auth });
        if (r.statusCode !== 200) throw new Error(`job still ${r.headers['splitflow-job-status']}`);
        return r;
      },
      { timeout: 5000, interval: 20 },
    );
    expect(done.json().outputs[0].shape).toEqual([3, 3]);
    expect(done.json().parameters['splitflow.pool']).toBe('cpu');
    expect((await broker.app.inject({ url: `/v2/jobs/${id}`, headers: { authorization: `Bearer ${OTHER}` } })).statusCode).toBe(404);
    expect((await broker.app.inject({ url: '/v2/jobs/unknown', headers: auth })).json().code).toBe('NOT_FOUND');
  });
});

describe("broker: a tenant's queued bytes", () => {
  it('refuses an async job that would take its tenant past maxTenantQueuedBytes, with 429 and Retry-After; other tenants unaffected', async () => {
    // The pool refuses (503 with Retry-After), so accepted jobs wait queued and their bytes stay counted.
    const busy = fakeUpstream(() => ({
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '60' },
      body: Buffer.from('{"error":"busy","code":"OVERLOADED"}'),
    }));
    const payload = request(60, { 'splitflow.mode': 'async' });
    const bytes = JSON.stringify(payload).length;
    const { broker } = await make({ limits: { maxTenantQueuedBytes: Math.max(1024, Math.floor(bytes * 1.5)) } }, busy);
    expect((await infer(broker, payload)).statusCode).toBe(202);
    const refused = await infer(broker, payload);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', details: { queuedBytes: bytes } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await infer(broker, payload, { authorization: `Bearer ${OTHER}` })).statusCode).toBe(202);
  });
});

describe('broker: startup', () => {
  it('refuses an invalid config naming the path and the rule', async () => {
    await expect(buildBroker({ ...config(), limits: { maxBodyBytes: 10 } }, { catalog })).rejects.toThrow('limits.maxBodyBytes: expected integer >= 1024');
    await expect(buildBroker({ ...config(), pools: [{ ...config().pools[0]!, models: ['mlp', 'ghost'] }] }, { catalog })).rejects.toThrow(
      'pools[0].models[1]: no model "ghost" in the catalog',
    );
    await expect(buildBroker({ ...config(), limits: { rateLimitStore: 'redis' } }, { catalog })).rejects.toThrow(
      'limits.rateLimitStore: "redis" uses the job store\'s Redis',
    );
  });

  it('exposes Prometheus metrics per pool', async () => {
    const { broker } = await make();
    await infer(broker, request());
    const text = (await broker.app.inject('/metrics')).body;
    expect(text).toContain('splitflow_broker_decisions_total{pool="cpu",reason="cheapest-meeting-deadline"} 1');
    expect(text).toContain('splitflow_broker_pool_outstanding{pool="cpu"} 0');
    expect(text).toMatch(/splitflow_broker_cost_usd_total\{pool="cpu"\} [0-9.e-]+/);
    expect(text).toContain('splitflow_broker_requests_total{model="mlp",code="OK"} 1');
    expect(text).toContain('splitflow_broker_jobs{status="queued"} 0');
    // The process's own figures, for telling a busy broker from busy workers.
    expect(text).toMatch(/^process_cpu_seconds_total [0-9.e-]+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [0-9.e-]+$/m);
  });

  it('exports the replicas each pool needs and the load behind them, from the requests it placed', async () => {
    const { broker } = await make({ autoscale: { headroom: 0, minReplicas: 1 } });
    const scrape = async () => (await broker.app.inject('/metrics')).body;
    expect(await scrape()).toContain('splitflow_broker_pool_desired_replicas{pool="cpu"} 1');
    for (let i = 0; i < 5; i++) expect((await infer(broker, request(1, { 'splitflow.priority': 'batch' }))).statusCode).toBe(200);
    const text = await scrape();
    expect(text).toMatch(/splitflow_broker_pool_desired_replicas\{pool="cpu"\} 1$/m);
    // The fake worker reports 40 us of compute per answer.
    expect(text).toContain('splitflow_broker_pool_mean_service_seconds{pool="cpu",class="batch"} 0.00004');
    expect(text).toMatch(/splitflow_broker_pool_arrival_rate\{pool="cpu",class="batch"\} [1-9][0-9.e-]*$/m);
    expect(text).toContain('splitflow_broker_pool_arrival_rate{pool="cpu",class="interactive"} 0');
    await expect(make({ autoscale: { quantile: 1 } })).rejects.toThrow(/autoscale\.quantile/);
  });

  it('logs one JSON line per request with its request id', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream);
    const broker = await buildBroker(config(), { catalog, upstream: fakeUpstream(), healthChecks: false, logger });
    brokers.push(broker);
    await infer(broker, request(), { ...auth, 'x-request-id': 'trace-me-1' });
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-me-1' && l.msg === 'request');
    expect(entry).toMatchObject({ status: 200, method: 'POST', service: 'splitflow-broker' });
  });
});
