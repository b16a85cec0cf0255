import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BINARY_HEADER, decodeInferResponse, encodeInferRequest, LOAD_HEADERS, type NamedTensor, readLoadHeaders, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { CATALOG_PATH, copyCatalogModels } from '@splitflow/test-fixtures/catalog-models';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { type OipSchemaName, responseIssues } from '@splitflow/test-fixtures/oip-spec';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';

// The catalog's `tiny` (features [batch, 64] -> logits [batch, 16]) and `vision-s`
// (image [batch, 3, 224, 224] -> logits [batch, 1000]), as `npm run models` builds them.
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'], bodyLimitBytes: 1024 * 1024 });
});
afterAll(async () => {
  await app?.close();
});

/** Asserts the status, that the body validates against the OIP spec, and that load headers are there. */
function expectOip(res: LightMyRequestResponse, status: number, schema: OipSchemaName, hardware = 'cpu') {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expect(responseIssues(schema, res)).toEqual([]);
  expect(res.headers[LOAD_HEADERS.queueDepth]).toMatch(/^\d+$/);
  expect(res.headers[LOAD_HEADERS.hardware]).toBe(hardware);
}

function expectError(res: LightMyRequestResponse, status: number, code: string, mentions?: string | RegExp) {
  expectOip(res, status, 'inference_error_response');
  const body = res.json() as { error: string; code: string };
  expect(body.code).toBe(code);
  if (mentions) expect(body.error).toMatch(mentions);
}

type Json = { outputs: { name: string; datatype: string; shape: number[]; data: number[] }[]; parameters: Record<string, unknown>; id?: string };
const features = (shape: number[], data: unknown[]) => ({ name: 'features', datatype: 'FP32', shape, data });
/** A row of 64 features, different for each seed. */
const row = (seed: number) => Array.from({ length: 64 }, (_, i) => Math.sin(seed * 31 + i) * (1 + (i % 5)));
const ROW = row(0);
const infer = (body: unknown, model = 'tiny', url = `/v2/models/${model}/infer`) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const binaryPost = (url: string, header: object, binary: Buffer, headerLength?: string) => {
  const head = Buffer.from(JSON.stringify(header));
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: headerLength ?? String(head.length) },
    payload: Buffer.concat([head, binary]),
  });
};

/** Reference answer: the same rows run on their own, one request each. */
async function lone(rows: number[][]): Promise<number[]> {
  const out: number[] = [];
  for (const r of rows) out.push(...((await infer({ inputs: [features([1, 64], r)] })).json() as Json).outputs[0]!.data);
  return out;
}

describe('server endpoints', () => {
  it('GET /v2 and /v2/ give server metadata', async () => {
    for (const url of ['/v2', '/v2/']) {
      const res = await app.inject({ method: 'GET', url });
      expectOip(res, 200, 'metadata_server_response');
      expect(res.json()).toMatchObject({ name: 'splitflow-worker', extensions: expect.arrayContaining(['binary_tensor_data']) });
    }
  });

  it('health: live and ready answer 200 with the empty body OIP asks for', async () => {
    for (const url of ['/v2/health/live', '/v2/health/ready', '/v2/models/tiny/ready']) {
      const res = await app.inject({ method: 'GET', url });
      expect([url, res.statusCode, res.body]).toEqual([url, 200, '']);
    }
  });

  it('model metadata, with and without the version, writes symbolic dims as -1', async () => {
    for (const url of ['/v2/models/vision-s', '/v2/models/vision-s/versions/1.0.0']) {
      const res = await app.inject({ method: 'GET', url });
      expectOip(res, 200, 'metadata_model_response');
      expect(res.json()).toMatchObject({
        name: 'vision-s',
        versions: ['1.0.0'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 3, 224, 224] }],
        outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 1000] }],
        properties: { state: 'ready', batch_dim: 'batch', max_batch: '64', hardware: 'cpu', provider: 'cpu' },
      });
    }
    expectError(await app.inject({ method: 'GET', url: '/v2/models/vision-s/versions/2' }), 404, 'MODEL_NOT_FOUND', /version "2"/);
    expectError(await app.inject({ method: 'GET', url: '/v2/models/text-m' }), 404, 'MODEL_NOT_FOUND', /tiny, vision-s/);
  });

  it('model ready, with and without the version', async () => {
    expect((await app.inject({ method: 'GET', url: '/v2/models/tiny/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v2/models/tiny/versions/1.0.0/ready' })).statusCode).toBe(200);
    expectError(await app.inject({ method: 'GET', url: '/v2/models/tiny/versions/9/ready' }), 404, 'MODEL_NOT_FOUND');
    expectError(await app.inject({ method: 'GET', url: '/v2/models/nope/ready' }), 404, 'MODEL_NOT_FOUND');
  });

  it('unknown routes are 404 NOT_FOUND with an OIP error body', async () => {
    expectError(await app.inject({ method: 'GET', url: '/v3/anything' }), 404, 'NOT_FOUND');
  });
});

describe('inference, JSON tensors', () => {
  it('answers with outputs, the request id, and load figures in headers and parameters', async () => {
    const res = await infer({ id: 'req-1', inputs: [features([2, 64], [...ROW, ...row(1)])] });
    expectOip(res, 200, 'inference_response');
    const body = res.json() as Json;
    expect(body).toMatchObject({ id: 'req-1', model_name: 'tiny', model_version: '1.0.0' });
    expect(body.outputs[0]).toMatchObject({ name: 'logits', datatype: 'FP32', shape: [2, 16] });
    expect(body.outputs[0]?.data.every(Number.isFinite)).toBe(true);
    // Each row of a batch of 2 is its lone answer: rows do not mix.
    expect(body.outputs[0]?.data).toEqual(await lone([ROW, row(1)]));
    const load = readLoadHeaders((n) => res.headers[n] as string | undefined);
    expect(load).toMatchObject({ queueDepth: 0, modelQueueDepth: 0, batchSize: 2, hardware: 'cpu' });
    expect(load.computeUs).toBeGreaterThan(0);
    expect(load.queueUs).toBeGreaterThanOrEqual(0);
    expect(body.parameters).toMatchObject({
      [SPLITFLOW_PARAMS.computeUs]: load.computeUs,
      [SPLITFLOW_PARAMS.queueUs]: load.queueUs,
      [SPLITFLOW_PARAMS.queueDepth]: 0,
      [SPLITFLOW_PARAMS.modelQueueDepth]: 0,
      [SPLITFLOW_PARAMS.batchSize]: 2,
      [SPLITFLOW_PARAMS.hardware]: 'cpu',
    });
  });

  it('serves the versioned infer path', async () => {
    const res = await infer({ inputs: [features([1, 64], ROW)] }, 'tiny', '/v2/models/tiny/versions/1.0.0/infer');
    expectOip(res, 200, 'inference_response');
    expect((res.json() as Json).outputs[0]?.data).toEqual(await lone([ROW]));
  });

  it('accepts nested JSON data as OIP allows, and honours the outputs list', async () => {
    const res = await infer({ inputs: [features([1, 64], [ROW])], outputs: [{ name: 'logits' }] });
    expectOip(res, 200, 'inference_response');
    expect((res.json() as Json).outputs.map((o) => o.name)).toEqual(['logits']);
    expect((res.json() as Json).outputs[0]?.data).toEqual(await lone([ROW]));
  });
});

describe('inference, Triton binary tensors', () => {
  const image = (seed: number): NamedTensor => ({
    name: 'image',
    datatype: 'FP32',
    shape: [1, 3, 224, 224],
    // Two decimals, so the same pixels also fit a JSON body under the 1 MiB limit.
    data: Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.round(Math.sin(i * 0.01 + seed) * 100) / 100),
  });

  it('binary in, binary out (vision-s, 588 KiB of pixels): the same numbers as JSON', async () => {
    const input = image(1);
    const encoded = encodeInferRequest({ inputs: [input], binary: true });
    const res = await app.inject({
      method: 'POST',
      url: '/v2/models/vision-s/infer',
      headers: encoded.headers,
      payload: Buffer.from(encoded.body as Uint8Array),
    });
    expectOip(res, 200, 'inference_response');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const decoded = decodeInferResponse(new Uint8Array(res.rawPayload), res.headers[BINARY_HEADER] as string);
    expect(decoded.outputs[0]).toMatchObject({ name: 'logits', shape: [1, 1000] });
    const json = await infer(
      { inputs: [{ ...input, data: Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.round(Math.sin(i * 0.01 + 1) * 100) / 100) }] },
      'vision-s',
    );
    expect(json.statusCode).toBe(200);
    expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual((json.json() as Json).outputs[0]?.data);
  });

  it('JSON in, one output asked for in binary', async () => {
    const res = await infer({ inputs: [features([1, 64], ROW)], outputs: [{ name: 'logits', parameters: { binary_data: true } }] });
    expectOip(res, 200, 'inference_response');
    expect(res.headers[BINARY_HEADER]).toBeDefined();
    const decoded = decodeInferResponse(new Uint8Array(res.rawPayload), res.headers[BINARY_HEADER] as string);
    expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual(await lone([ROW]));
  });

  it('binary in, JSON out when the client does not ask for binary outputs', async () => {
    const encoded = encodeInferRequest({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Float32Array.from(ROW) }],
      binary: true,
      binaryOutputs: false,
    });
    const res = await app.inject({ method: 'POST', url: '/v2/models/tiny/infer', headers: encoded.headers, payload: Buffer.from(encoded.body as Uint8Array) });
    expectOip(res, 200, 'inference_response');
    expect(res.headers[BINARY_HEADER]).toBeUndefined();
    expect((res.json() as Json).outputs[0]?.data).toEqual(await lone([ROW]));
  });

  it('NaN and Infinity are data: they go in and come back (binary, since JSON cannot hold them)', async () => {
    // A fixture model y = 2x shows the values unchanged.
    const fixture = await writeFixtureCatalog();
    const doubler = await buildWorker({ catalog: fixture.catalogPath, models: ['double'] });
    try {
      const odd: NamedTensor = { name: 'x', datatype: 'FP32', shape: [1, 4], data: Float32Array.from([Number.NaN, 1, Number.POSITIVE_INFINITY, 0]) };
      const encoded = encodeInferRequest({ inputs: [odd], binary: true, binaryOutputs: false });
      const res = await doubler.inject({
        method: 'POST',
        url: '/v2/models/double/infer',
        headers: encoded.headers,
        payload: Buffer.from(encoded.body as Uint8Array),
      });
      expect(res.statusCode).toBe(200);
      expect(responseIssues('inference_response', res)).toEqual([]);
      const decoded = decodeInferResponse(new Uint8Array(res.rawPayload), res.headers[BINARY_HEADER] as string);
      expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual([Number.NaN, 2, Number.POSITIVE_INFINITY, 0]);
    } finally {
      await doubler.close();
      await rm(fixture.dir, { recursive: true, force: true });
    }
  });
});

describe('bad input: a typed 4xx naming the problem, and the server stays up', () => {
  const ok = features([1, 64], ROW);
  const cases: [string, () => Promise<LightMyRequestResponse>, number, string, RegExp][] = [
    ['unknown model', () => infer({ inputs: [ok] }, 'nope'), 404, 'MODEL_NOT_FOUND', /no model "nope"/],
    ['unknown version', () => infer({ inputs: [ok] }, 'tiny', '/v2/models/tiny/versions/7/infer'), 404, 'MODEL_NOT_FOUND', /version "7"/],
    ['missing input', () => infer({ inputs: [] }), 400, 'INVALID_TENSOR', /needs input "features"/],
    ['extra input', () => infer({ inputs: [ok, { ...ok, name: 'z' }] }), 400, 'INVALID_TENSOR', /no input "z"/],
    ['the same input twice', () => infer({ inputs: [ok, ok] }), 400, 'INVALID_TENSOR', /given twice/],
    ['wrong datatype', () => infer({ inputs: [{ ...ok, datatype: 'FP64' }] }), 400, 'INVALID_TENSOR', /expected datatype FP32, got FP64/],
    ['unknown datatype', () => infer({ inputs: [{ ...ok, datatype: 'FP8' }] }), 400, 'INVALID_TENSOR', /datatype FP32, got FP8/],
    ['shape not the manifest', () => infer({ inputs: [features([1, 65], [...ROW, 0])] }), 400, 'INVALID_TENSOR', /shape\[1\] must be 64, got 65/],
    ['rank not the manifest', () => infer({ inputs: [features([64], ROW)] }), 400, 'INVALID_TENSOR', /expected rank 2/],
    ['data length not the shape', () => infer({ inputs: [features([2, 64], ROW)] }), 400, 'INVALID_TENSOR', /needs 128 elements, data has 64/],
    ['a string in float data', () => infer({ inputs: [features([1, 64], ['three', ...ROW.slice(1)])] }), 400, 'INVALID_TENSOR', /data\[0\] must be a number/],
    ['unknown output', () => infer({ inputs: [ok], outputs: [{ name: 'q' }] }), 400, 'INVALID_REQUEST', /no output "q"/],
    ['no inputs field', () => infer({ id: 'x' }), 400, 'INVALID_REQUEST', /inputs/],
    ['inputs not a list', () => infer({ inputs: { features: ROW } }), 400, 'INVALID_REQUEST', /inputs/],
    [
      'malformed JSON',
      () => app.inject({ method: 'POST', url: '/v2/models/tiny/infer', headers: { 'content-type': 'application/json' }, payload: '{"inputs": [' }),
      400,
      'INVALID_REQUEST',
      /not valid JSON/,
    ],
    ['empty body', () => app.inject({ method: 'POST', url: '/v2/models/tiny/infer' }), 400, 'INVALID_REQUEST', /JSON/],
    ['body over the size limit', () => infer({ inputs: [ok], pad: 'p'.repeat(1024 * 1024) }), 413, 'PAYLOAD_TOO_LARGE', /limit/],
    [
      'binary header length larger than the body',
      () => binaryPost('/v2/models/tiny/infer', { inputs: [] }, Buffer.alloc(0), '5000'),
      400,
      'INVALID_REQUEST',
      /is 5000 but the body has only/,
    ],
    [
      'binary header length not a number',
      () => binaryPost('/v2/models/tiny/infer', { inputs: [] }, Buffer.alloc(0), 'ten'),
      400,
      'INVALID_REQUEST',
      /non-negative integer/,
    ],
    [
      'binary data shorter than binary_data_size',
      () =>
        binaryPost(
          '/v2/models/tiny/infer',
          { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], parameters: { binary_data_size: 256 } }] },
          Buffer.alloc(128),
        ),
      400,
      'INVALID_REQUEST',
      /runs past the end/,
    ],
    [
      'binary data size that does not match the shape',
      () =>
        binaryPost(
          '/v2/models/tiny/infer',
          { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], parameters: { binary_data_size: 128 } }] },
          Buffer.alloc(128),
        ),
      400,
      'INVALID_TENSOR',
      /needs 256 bytes, got 128/,
    ],
    [
      'binary bytes no tensor claims',
      () =>
        binaryPost(
          '/v2/models/tiny/infer',
          { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], parameters: { binary_data_size: 256 } }] },
          Buffer.alloc(300),
        ),
      400,
      'INVALID_REQUEST',
      /44 bytes that no tensor claims/,
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, code, mentions) => {
    expectError(await send(), status, code, mentions);
  });

  it('none of them disturbs requests in flight', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => row(i + 10));
    const expected = await Promise.all(rows.map((r) => lone([r])));
    const results = await Promise.all([...rows.map((r) => infer({ inputs: [features([1, 64], r)] })), ...cases.map(([, send]) => send())]);
    results.slice(0, rows.length).forEach((res, i) => {
      expectOip(res, 200, 'inference_response');
      expect((res.json() as Json).outputs[0]?.data).toEqual(expected[i]);
    });
    expect(results.slice(rows.length).map((res) => res.statusCode)).toEqual(cases.map((c) => c[2]));
    expect((await app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('reports queue depth, in-flight, batch sizes, latency per model and errors by code', async () => {
    await infer({ inputs: [features([1, 64], ROW)] });
    await infer({ inputs: [] });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    const count = (re: RegExp) => Number(re.exec(text)?.[1]);
    expect(text).toMatch(/^splitflow_worker_queue_depth\{model="tiny"\} 0$/m);
    expect(text).toMatch(/^splitflow_worker_queue_depth\{model="vision-s"\} 0$/m);
    expect(text).toMatch(/^splitflow_worker_in_flight 0$/m);
    expect(count(/^splitflow_worker_batch_size_count\{model="tiny"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(count(/^splitflow_worker_request_seconds_count\{model="tiny"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(count(/^splitflow_worker_queue_seconds_count\{model="tiny"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(count(/^splitflow_worker_compute_seconds_count\{model="tiny"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(count(/^splitflow_worker_errors_total\{code="INVALID_TENSOR"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(count(/^splitflow_worker_requests_total\{model="tiny",status="400"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(count(/^splitflow_worker_requests_total\{model="tiny",status="200"\} (\d+)$/m)).toBeGreaterThan(0);
  });

  it('keeps a registry per worker', async () => {
    const other = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'] });
    try {
      const text = (await other.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toMatch(/splitflow_worker_queue_depth\{model="tiny"\} 0/);
      expect(text).not.toMatch(/vision-s/);
      expect(text).not.toMatch(/splitflow_worker_errors_total\{/);
    } finally {
      await other.close();
    }
  });
});

describe('model integrity', () => {
  it('refuses a model whose SHA-256 differs from the manifest, and serves the others', async () => {
    const copy = await copyCatalogModels(['tiny', 'vision-s']);
    try {
      const path = join(copy.dir, 'build', 'vision-s', 'model.onnx');
      const bytes = await readFile(path);
      const at = bytes.length - 100;
      bytes[at] = (bytes[at] as number) ^ 0x01; // one flipped bit in the weights
      await writeFile(path, bytes);
      const worker = await buildWorker({ catalog: copy.catalogPath });
      try {
        const pixels = new Array(3 * 224 * 224).fill(0);
        const res = await worker.inject({
          method: 'POST',
          url: '/v2/models/vision-s/infer',
          payload: { inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 3, 224, 224], data: pixels }] },
        });
        expectError(res, 500, 'MODEL_INTEGRITY', /model "vision-s" file vision-s\/model.onnx: SHA-256 [0-9a-f]{64} does not match the manifest's [0-9a-f]{64}/);
        // OIP health: "not ready" is a 4xx with an empty body; the reason's code rides in a header.
        const notReady = await worker.inject({ method: 'GET', url: '/v2/models/vision-s/ready' });
        expect([notReady.statusCode, notReady.body, notReady.headers['splitflow-not-ready']]).toEqual([400, '', 'MODEL_INTEGRITY']);
        const meta = await worker.inject({ method: 'GET', url: '/v2/models/vision-s' });
        expectOip(meta, 200, 'metadata_model_response');
        expect(meta.json()).toMatchObject({ properties: { state: 'refused', error_code: 'MODEL_INTEGRITY' } });
        const ok = await worker.inject({ method: 'POST', url: '/v2/models/tiny/infer', payload: { inputs: [features([1, 64], ROW)] } });
        expectOip(ok, 200, 'inference_response');
        expect((ok.json() as Json).outputs[0]?.data).toEqual(await lone([ROW]));
        expect((await worker.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
      } finally {
        await worker.close();
      }
    } finally {
      await rm(copy.dir, { recursive: true, force: true });
    }
  });

  it('refuses a model whose size differs, or whose file is missing', async () => {
    const copy = await copyCatalogModels(['tiny', 'vision-s']);
    try {
      const tiny = join(copy.dir, 'build', 'tiny', 'model.onnx');
      await writeFile(tiny, Buffer.concat([await readFile(tiny), Buffer.from([0])]));
      await rm(join(copy.dir, 'build', 'vision-s', 'model.onnx'));
      const worker = await buildWorker({ catalog: copy.catalogPath });
      try {
        expectError(
          await worker.inject({ method: 'POST', url: '/v2/models/tiny/infer', payload: { inputs: [] } }),
          500,
          'MODEL_INTEGRITY',
          /model "tiny" file tiny\/model.onnx: expected \d+ bytes, got \d+/,
        );
        expectError(
          await worker.inject({ method: 'POST', url: '/v2/models/vision-s/infer', payload: { inputs: [] } }),
          500,
          'MODEL_INTEGRITY',
          /cannot read .*ENOENT/,
        );
        // Nothing serves, so the worker is not ready, but it answers.
        const notReady = await worker.inject({ method: 'GET', url: '/v2/health/ready' });
        expect([notReady.statusCode, notReady.body, notReady.headers['splitflow-not-ready']]).toEqual([400, '', 'MODEL_NOT_READY']);
      } finally {
        await worker.close();
      }
    } finally {
      await rm(copy.dir, { recursive: true, force: true });
    }
  });
});
