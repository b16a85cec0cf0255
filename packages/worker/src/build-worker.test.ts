import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BINARY_HEADER, decodeInferResponse, encodeInferRequest, LOAD_HEADERS, type NamedTensor, readLoadHeaders, SPLITFLOW_PARAMS } from '@splitflow/contract';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';
import { type FixtureCatalog, writeFixtureCatalog } from './testing/fixture-catalog.js';
import { type OipSchemaName, responseIssues } from './testing/oip-spec.js';

let fixture: FixtureCatalog;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await writeFixtureCatalog();
  app = await buildWorker({ catalog: fixture.catalogPath, bodyLimitBytes: 64 * 1024 });
});
afterAll(async () => {
  await app?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

/** Asserts the status, that the body validates against the OIP spec, and that load headers are there. */
function expectOip(res: LightMyRequestResponse, status: number, schema: OipSchemaName) {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expect(responseIssues(schema, res)).toEqual([]);
  expect(res.headers[LOAD_HEADERS.queueDepth]).toMatch(/^\d+$/);
  expect(res.headers[LOAD_HEADERS.hardware]).toBe('cpu');
}

function expectError(res: LightMyRequestResponse, status: number, code: string, mentions?: string | RegExp) {
  expectOip(res, status, 'inference_error_response');
  const body = res.json() as { error: string; code: string };
  expect(body.code).toBe(code);
  if (mentions) expect(body.error).toMatch(mentions);
}

const x = (shape: number[], data: number[]) => ({ name: 'x', datatype: 'FP32', shape, data });
const infer = (body: unknown, model = 'mlp', extra: { url?: string } = {}) =>
  app.inject({ method: 'POST', url: extra.url ?? `/v2/models/${model}/infer`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

/** Reference answer: the mlp computed in float64 from the fixture's weights would differ in rounding, so compare to a lone run. */
async function lone(rows: number[][]): Promise<number[]> {
  const res = await infer({ inputs: [x([rows.length, 4], rows.flat())] });
  return (res.json() as { outputs: { data: number[] }[] }).outputs[0]?.data as number[];
}

describe('server endpoints', () => {
  it('GET /v2 and /v2/ give server metadata', async () => {
    for (const url of ['/v2', '/v2/']) {
      const res = await app.inject({ method: 'GET', url });
      expectOip(res, 200, 'metadata_server_response');
      expect(res.json()).toMatchObject({ name: 'splitflow-worker', extensions: expect.arrayContaining(['binary_tensor_data']) });
    }
  });

  it('health: live and ready answer 200', async () => {
    expect((await app.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
  });

  it('model metadata, with and without the version, writes symbolic dims as -1', async () => {
    for (const url of ['/v2/models/mlp', '/v2/models/mlp/versions/1']) {
      const res = await app.inject({ method: 'GET', url });
      expectOip(res, 200, 'metadata_model_response');
      expect(res.json()).toMatchObject({
        name: 'mlp',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
        properties: { state: 'ready', batch_dim: 'batch', max_batch: '64' },
      });
    }
    const fixed = await app.inject({ method: 'GET', url: '/v2/models/double' });
    expect(fixed.json()).toMatchObject({ inputs: [{ shape: [1, 4] }], properties: { max_batch: '1' } });
  });

  it('model ready, with and without the version', async () => {
    expect((await app.inject({ method: 'GET', url: '/v2/models/mlp/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v2/models/mlp/versions/1/ready' })).statusCode).toBe(200);
    expectError(await app.inject({ method: 'GET', url: '/v2/models/mlp/versions/9/ready' }), 404, 'MODEL_NOT_FOUND');
    expectError(await app.inject({ method: 'GET', url: '/v2/models/nope/ready' }), 404, 'MODEL_NOT_FOUND');
  });

  it('unknown routes are 404 NOT_FOUND with an OIP error body', async () => {
    expectError(await app.inject({ method: 'GET', url: '/v3/anything' }), 404, 'NOT_FOUND');
  });
});

describe('inference, JSON tensors', () => {
  it('answers with outputs, the request id, and load figures in headers and parameters', async () => {
    const res = await infer({ id: 'req-1', inputs: [x([2, 4], [1, 2, 3, 4, 5, 6, 7, 8])] });
    expectOip(res, 200, 'inference_response');
    const body = res.json() as {
      id: string;
      model_name: string;
      model_version: string;
      outputs: { name: string; shape: number[]; data: number[] }[];
      parameters: Record<string, unknown>;
    };
    expect(body).toMatchObject({ id: 'req-1', model_name: 'mlp', model_version: '1' });
    expect(body.outputs[0]).toMatchObject({ name: 'y', datatype: 'FP32', shape: [2, 3] });
    // Row 0 of a batch of 2 is the lone answer for that row: rows do not mix.
    expect(body.outputs[0]?.data.slice(0, 3)).toEqual(await lone([[1, 2, 3, 4]]));
    const load = readLoadHeaders((n) => res.headers[n] as string | undefined);
    expect(load).toMatchObject({ queueDepth: 0, batchSize: 2, hardware: 'cpu' });
    expect(load.computeUs).toBeGreaterThan(0);
    expect(load.queueUs).toBeGreaterThanOrEqual(0);
    expect(body.parameters).toMatchObject({
      [SPLITFLOW_PARAMS.computeUs]: load.computeUs,
      [SPLITFLOW_PARAMS.queueUs]: load.queueUs,
      [SPLITFLOW_PARAMS.queueDepth]: 0,
      [SPLITFLOW_PARAMS.batchSize]: 2,
      [SPLITFLOW_PARAMS.hardware]: 'cpu',
    });
  });

  it('serves the versioned infer path and a fixed-shape model', async () => {
    const res = await infer({ inputs: [x([1, 4], [1, -2, 3.5, 0])] }, 'double', { url: '/v2/models/double/versions/1/infer' });
    expectOip(res, 200, 'inference_response');
    expect((res.json() as { outputs: { data: number[] }[] }).outputs[0]?.data).toEqual([2, -4, 7, 0]);
  });

  it('accepts nested JSON data as OIP allows', async () => {
    const res = await infer({ inputs: [x([1, 4], [[1, 2, 3, 4]] as unknown as number[])] });
    expectOip(res, 200, 'inference_response');
    expect((res.json() as { outputs: { data: number[] }[] }).outputs[0]?.data).toEqual(await lone([[1, 2, 3, 4]]));
  });
});

describe('inference, Triton binary tensors', () => {
  const input: NamedTensor = { name: 'x', datatype: 'FP32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) };

  it('binary in, binary out: same numbers as JSON', async () => {
    const encoded = encodeInferRequest({ inputs: [input], binary: true });
    const res = await app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: encoded.headers, payload: Buffer.from(encoded.body as Uint8Array) });
    expectOip(res, 200, 'inference_response');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const decoded = decodeInferResponse(new Uint8Array(res.rawPayload), res.headers[BINARY_HEADER] as string);
    const json = await infer({ inputs: [x([3, 4], Array.from(input.data as Float32Array))] });
    const viaJson = (json.json() as { outputs: { data: number[] }[] }).outputs[0]?.data;
    expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual(viaJson);
  });

  it('JSON in, one output asked for in binary', async () => {
    const res = await infer({ inputs: [x([1, 4], [1, 2, 3, 4])], outputs: [{ name: 'y', parameters: { binary_data: true } }] });
    expectOip(res, 200, 'inference_response');
    const decoded = decodeInferResponse(new Uint8Array(res.rawPayload), res.headers[BINARY_HEADER] as string);
    expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual(await lone([[1, 2, 3, 4]]));
  });

  it('binary in, JSON out when the client does not ask for binary outputs', async () => {
    const encoded = encodeInferRequest({ inputs: [input], binary: true, binaryOutputs: false });
    const res = await app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: encoded.headers, payload: Buffer.from(encoded.body as Uint8Array) });
    expectOip(res, 200, 'inference_response');
    expect(res.headers[BINARY_HEADER]).toBeUndefined();
    expect((res.json() as { outputs: { shape: number[] }[] }).outputs[0]?.shape).toEqual([3, 3]);
  });

  it('NaN and Infinity are data: they go in and come back (binary, since JSON cannot hold them)', async () => {
    const odd: NamedTensor = { name: 'x', datatype: 'FP32', shape: [1, 4], data: Float32Array.from([Number.NaN, 1, Number.POSITIVE_INFINITY, 0]) };
    const encoded = encodeInferRequest({ inputs: [odd], binary: true, binaryOutputs: false });
    const res = await app.inject({
      method: 'POST',
      url: '/v2/models/double/infer',
      headers: encoded.headers,
      payload: Buffer.from(encoded.body as Uint8Array),
    });
    expectOip(res, 200, 'inference_response');
    const decoded = decodeInferResponse(new Uint8Array(res.rawPayload), res.headers[BINARY_HEADER] as string);
    expect(Array.from(decoded.outputs[0]?.data as Float32Array)).toEqual([Number.NaN, 2, Number.POSITIVE_INFINITY, 0]);
  });
});

describe('bad input: a typed 4xx naming the problem, and the server stays up', () => {
  const cases: [string, () => Promise<LightMyRequestResponse>, number, string, RegExp][] = [
    ['unknown model', () => infer({ inputs: [x([1, 4], [1, 2, 3, 4])] }, 'nope'), 404, 'MODEL_NOT_FOUND', /nope/],
    [
      'unknown version',
      () => infer({ inputs: [x([1, 4], [1, 2, 3, 4])] }, 'mlp', { url: '/v2/models/mlp/versions/7/infer' }),
      404,
      'MODEL_NOT_FOUND',
      /version "7"/,
    ],
    ['missing input', () => infer({ inputs: [] }), 400, 'INVALID_TENSOR', /needs input "x"/],
    ['extra input', () => infer({ inputs: [x([1, 4], [1, 2, 3, 4]), { ...x([1, 4], [1, 2, 3, 4]), name: 'z' }] }), 400, 'INVALID_TENSOR', /no input "z"/],
    ['wrong datatype', () => infer({ inputs: [{ ...x([1, 4], [1, 2, 3, 4]), datatype: 'FP64' }] }), 400, 'INVALID_TENSOR', /expected datatype FP32/],
    ['unknown datatype', () => infer({ inputs: [{ ...x([1, 4], [1, 2, 3, 4]), datatype: 'FP8' }] }), 400, 'INVALID_TENSOR', /unknown datatype/],
    ['shape not the manifest', () => infer({ inputs: [x([1, 5], [1, 2, 3, 4, 5])] }), 400, 'INVALID_TENSOR', /shape\[1\] must be 4/],
    ['rank not the manifest', () => infer({ inputs: [x([4], [1, 2, 3, 4])] }), 400, 'INVALID_TENSOR', /rank/],
    ['data length not the shape', () => infer({ inputs: [x([2, 4], [1, 2, 3, 4])] }), 400, 'INVALID_TENSOR', /needs 8 elements, data has 4/],
    ['a string in float data', () => infer({ inputs: [x([1, 4], [1, 2, 'three', 4] as unknown as number[])] }), 400, 'INVALID_TENSOR', /data\[2\]/],
    ['unknown output', () => infer({ inputs: [x([1, 4], [1, 2, 3, 4])], outputs: [{ name: 'q' }] }), 400, 'INVALID_REQUEST', /no output "q"/],
    ['no inputs field', () => infer({ id: 'x' }), 400, 'INVALID_REQUEST', /inputs/],
    [
      'malformed JSON',
      () => app.inject({ method: 'POST', url: '/v2/models/mlp/infer', headers: { 'content-type': 'application/json' }, payload: '{"inputs": [' }),
      400,
      'INVALID_REQUEST',
      /not valid JSON/,
    ],
    ['empty body', () => app.inject({ method: 'POST', url: '/v2/models/mlp/infer' }), 400, 'INVALID_REQUEST', /JSON/],
    ['body over the size limit', () => infer({ inputs: [x([1, 4], [1, 2, 3, 4])], pad: 'p'.repeat(70 * 1024) }), 413, 'PAYLOAD_TOO_LARGE', /limit/],
    [
      'binary header length larger than the body',
      () =>
        app.inject({
          method: 'POST',
          url: '/v2/models/mlp/infer',
          headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: '5000' },
          payload: Buffer.from('{"inputs":[]}'),
        }),
      400,
      'INVALID_REQUEST',
      /5000/,
    ],
    [
      'binary header length not a number',
      () =>
        app.inject({
          method: 'POST',
          url: '/v2/models/mlp/infer',
          headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: 'ten' },
          payload: Buffer.from('{"inputs":[]}'),
        }),
      400,
      'INVALID_REQUEST',
      /non-negative integer/,
    ],
    [
      'binary data shorter than binary_data_size',
      () => {
        const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }));
        return app.inject({
          method: 'POST',
          url: '/v2/models/mlp/infer',
          headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: String(header.length) },
          payload: Buffer.concat([header, Buffer.alloc(8)]),
        });
      },
      400,
      'INVALID_REQUEST',
      /runs past the end/,
    ],
    [
      'binary data size that does not match the shape',
      () => {
        const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 12 } }] }));
        return app.inject({
          method: 'POST',
          url: '/v2/models/mlp/infer',
          headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: String(header.length) },
          payload: Buffer.concat([header, Buffer.alloc(12)]),
        });
      },
      400,
      'INVALID_TENSOR',
      /needs 16 bytes/,
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, code, mentions) => {
    expectError(await send(), status, code, mentions);
  });

  it('none of them disturbs requests in flight', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => [i, i + 1, -i, 0.5 * i]);
    const expected = await Promise.all(rows.map((r) => lone([r])));
    const results = await Promise.all([...rows.map((r) => infer({ inputs: [x([1, 4], r)] })), ...cases.map(([, send]) => send())]);
    results.slice(0, rows.length).forEach((res, i) => {
      expectOip(res, 200, 'inference_response');
      expect((res.json() as { outputs: { data: number[] }[] }).outputs[0]?.data).toEqual(expected[i]);
    });
    expect(results.slice(rows.length).map((res) => res.statusCode)).toEqual(cases.map((c) => c[2]));
    expect((await app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('reports queue depth, in-flight, batch sizes, latency per model and errors by code', async () => {
    await infer({ inputs: [x([1, 4], [1, 2, 3, 4])] });
    await infer({ inputs: [] });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(/^splitflow_worker_queue_depth\{model="mlp"\} 0$/m);
    expect(text).toMatch(/^splitflow_worker_in_flight 0$/m);
    expect(Number(/^splitflow_worker_batch_size_count\{model="mlp"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^splitflow_worker_request_seconds_count\{model="mlp"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^splitflow_worker_compute_seconds_count\{model="mlp"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^splitflow_worker_errors_total\{code="INVALID_TENSOR"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^splitflow_worker_requests_total\{model="mlp",status="400"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
  });

  it('keeps a registry per worker', async () => {
    const other = await buildWorker({ catalog: fixture.catalogPath, models: ['double'] });
    try {
      const text = (await other.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toMatch(/splitflow_worker_queue_depth\{model="double"\} 0/);
      expect(text).not.toMatch(/model="mlp"/);
    } finally {
      await other.close();
    }
  });
});

describe('model integrity', () => {
  it('refuses a model whose bytes or SHA-256 differ from the manifest, and serves the others', async () => {
    const corrupt = await writeFixtureCatalog();
    try {
      const path = join(corrupt.dir, 'mlp.onnx');
      const bytes = await readFile(path);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
      await writeFile(path, bytes);
      const worker = await buildWorker({ catalog: corrupt.catalogPath });
      try {
        const res = await worker.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [x([1, 4], [1, 2, 3, 4])] } });
        expectError(res, 500, 'MODEL_INTEGRITY', /SHA-256/);
        expectError(await worker.inject({ method: 'GET', url: '/v2/models/mlp/ready' }), 500, 'MODEL_INTEGRITY');
        const meta = await worker.inject({ method: 'GET', url: '/v2/models/mlp' });
        expectOip(meta, 200, 'metadata_model_response');
        expect(meta.json()).toMatchObject({ properties: { state: 'refused', error_code: 'MODEL_INTEGRITY' } });
        const ok = await worker.inject({ method: 'POST', url: '/v2/models/double/infer', payload: { inputs: [x([1, 4], [1, 2, 3, 4])] } });
        expectOip(ok, 200, 'inference_response');
        expect((await worker.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
      } finally {
        await worker.close();
      }
    } finally {
      await rm(corrupt.dir, { recursive: true, force: true });
    }
  });

  it('refuses a model whose size differs, or whose file is missing', async () => {
    const broken = await writeFixtureCatalog();
    try {
      await writeFile(join(broken.dir, 'mlp.onnx'), Buffer.concat([await readFile(join(broken.dir, 'mlp.onnx')), Buffer.from([0])]));
      await rm(join(broken.dir, 'double.onnx'));
      const worker = await buildWorker({ catalog: broken.catalogPath });
      try {
        expectError(
          await worker.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: { inputs: [] } }),
          500,
          'MODEL_INTEGRITY',
          /bytes, the manifest says/,
        );
        expectError(await worker.inject({ method: 'POST', url: '/v2/models/double/infer', payload: { inputs: [] } }), 500, 'MODEL_INTEGRITY', /cannot read/);
        // Nothing serves, so the worker is not ready.
        expectError(await worker.inject({ method: 'GET', url: '/v2/health/ready' }), 503, 'MODEL_NOT_READY');
      } finally {
        await worker.close();
      }
    } finally {
      await rm(broken.dir, { recursive: true, force: true });
    }
  });
});
