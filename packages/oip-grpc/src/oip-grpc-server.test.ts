import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestResponse } from './from-rest.js';
import { OIP_PROTO_PATH, type OipGrpcServer, PROTO_LOADER_OPTIONS, serveOipGrpc } from './oip-grpc-server.js';
import type { RestRequest } from './to-rest.js';

// The gRPC front over a scripted REST seam, called with @grpc/grpc-js's generic client made from the
// official proto. The seam itself (fastify's inject on the real worker and broker) is exercised in
// packages/broker/src/standard-clients.integration.test.ts with Python's grpcio.

type Unary = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: never) => void,
) => grpc.ClientUnaryCall;
type Client = grpc.Client & Record<string, Unary>;

const seen: RestRequest[] = [];
let answer: (request: RestRequest) => RestResponse | Promise<RestResponse> = () => ({ statusCode: 200, headers: {}, rawPayload: Buffer.alloc(0) });
let server: OipGrpcServer;
let client: Client;

const json = (statusCode: number, body: unknown, headers: RestResponse['headers'] = {}): RestResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  rawPayload: Buffer.from(JSON.stringify(body)),
});

beforeAll(async () => {
  server = await serveOipGrpc(async (request) => {
    seen.push(request);
    return answer(request);
  });
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(OIP_PROTO_PATH, PROTO_LOADER_OPTIONS)) as unknown as {
    inference: { GRPCInferenceService: new (address: string, credentials: grpc.ChannelCredentials) => Client };
  };
  client = new loaded.inference.GRPCInferenceService(server.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

function call(method: string, request: unknown, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}) {
  return new Promise<{ error: grpc.ServiceError | null; response?: Record<string, unknown> }>((resolve) => {
    client[method]?.(request, metadata, options, (error, response) => resolve({ error, response }));
  });
}

describe('OIP gRPC over the REST routes', () => {
  it('ModelInfer: raw contents become a binary-extension body; typed INT64 past 2^53 stays exact', async () => {
    seen.length = 0;
    answer = () => json(200, { model_name: 'm', outputs: [] });
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer k');
    const raw = await call(
      'ModelInfer',
      { model_name: 'm', model_version: '2', inputs: [{ name: 'x', datatype: 'UINT8', shape: [3] }], raw_input_contents: [Buffer.from([1, 2, 3])] },
      metadata,
    );
    expect(raw.error).toBeNull();
    const typed = await call('ModelInfer', {
      model_name: 'm',
      inputs: [{ name: 'i', datatype: 'INT64', shape: [2], contents: { int64_contents: ['9007199254740993', '-9223372036854775808'] } }],
      outputs: [{ name: 'y' }],
    });
    expect(typed.error).toBeNull();
    const [first, second] = seen;
    expect(first?.url).toBe('/v2/models/m/versions/2/infer');
    expect(first?.headers.authorization).toBe('Bearer k');
    const cut = Number(first?.headers['inference-header-content-length']);
    expect(JSON.parse(first?.payload?.subarray(0, cut).toString() as string)).toEqual({
      inputs: [{ name: 'x', datatype: 'UINT8', shape: [3], parameters: { binary_data_size: 3 } }],
      parameters: { binary_data_output: true },
    });
    expect([...(first?.payload?.subarray(cut) ?? [])]).toEqual([1, 2, 3]);
    const cut2 = Number(second?.headers['inference-header-content-length']);
    expect(second?.url).toBe('/v2/models/m/infer');
    expect(JSON.parse(second?.payload?.subarray(0, cut2).toString() as string).outputs).toEqual([{ name: 'y', parameters: { binary_data: true } }]);
    const tail = second?.payload?.subarray(cut2) as Buffer;
    expect([tail.readBigInt64LE(0), tail.readBigInt64LE(8)]).toEqual([9007199254740993n, -(2n ** 63n)]);
  });

  it('answers: binary outputs as raw, JSON outputs written as raw, parameters typed', async () => {
    const header = Buffer.from(
      JSON.stringify({
        model_name: 'm',
        model_version: '1',
        outputs: [
          { name: 'a', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } },
          { name: 'b', datatype: 'INT32', shape: [2], data: [7, -1] },
        ],
        parameters: { 'splitflow.pool': 'cpu', 'splitflow.cost_usd': 1.5e-9, 'splitflow.queue_us': 12, flag: true },
      }),
    );
    answer = () => ({
      statusCode: 200,
      headers: { 'inference-header-content-length': String(header.length), 'splitflow-pool': 'cpu' },
      rawPayload: Buffer.concat([header, Buffer.from([0, 0, 0x80, 0x7f])]),
    });
    const { error, response } = await call('ModelInfer', { model_name: 'm', inputs: [] });
    expect(error).toBeNull();
    expect(((response?.raw_output_contents ?? []) as Buffer[]).map((b) => [...b])).toEqual([
      [0, 0, 0x80, 0x7f],
      [7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
    ]);
    expect(response?.parameters).toMatchObject({
      'splitflow.pool': { string_param: 'cpu' },
      'splitflow.cost_usd': { double_param: 1.5e-9 },
      'splitflow.queue_us': { int64_param: '12' },
      flag: { bool_param: true },
    });
  });

  it('JSON outputs from a pool that ignored the request for binary keep INT64 past 2^53 exact', async () => {
    const text =
      '{"model_name":"m","outputs":[{"name":"i","datatype":"INT64","shape":[3],"data":[4611686018427387906,-9223372036854775808,7]},' +
      '{"name":"u","datatype":"UINT64","shape":[1],"data":[18446744073709551615]},{"name":"f","datatype":"FP64","shape":[1],"data":[100000000000000000000]},' +
      '{"name":"s","datatype":"BYTES","shape":[1],"data":["12345678901234567890 \\" 99999999999999999999"]}],"parameters":{"big":12345678901234567890}}';
    answer = () => ({ statusCode: 200, headers: {}, rawPayload: Buffer.from(text) });
    const { error, response } = await call('ModelInfer', { model_name: 'm', inputs: [] });
    expect(error).toBeNull();
    const [i, u, f, s] = (response?.raw_output_contents ?? []) as Buffer[];
    expect([i?.readBigInt64LE(0), i?.readBigInt64LE(8), i?.readBigInt64LE(16)]).toEqual([4611686018427387906n, -(2n ** 63n), 7n]);
    expect(u?.readBigUInt64LE(0)).toBe(2n ** 64n - 1n);
    expect(f?.readDoubleLE(0)).toBe(1e20);
    expect(s?.subarray(4).toString()).toBe('12345678901234567890 " 99999999999999999999');
    // A parameter past 2^53 keeps its digits as a string rather than becoming a rounded int64.
    expect(response?.parameters).toMatchObject({ big: { string_param: '12345678901234567890' } });
  });

  it('errors: the REST status and stable code become a gRPC status with the code and Retry-After in metadata', async () => {
    const cases: [number, string, grpc.status][] = [
      [400, 'INVALID_TENSOR', grpc.status.INVALID_ARGUMENT],
      [401, 'UNAUTHORIZED', grpc.status.UNAUTHENTICATED],
      [404, 'MODEL_NOT_FOUND', grpc.status.NOT_FOUND],
      [413, 'PAYLOAD_TOO_LARGE', grpc.status.RESOURCE_EXHAUSTED],
      [429, 'RATE_LIMITED', grpc.status.RESOURCE_EXHAUSTED],
      [429, 'DEADLINE_UNMEETABLE', grpc.status.RESOURCE_EXHAUSTED],
      [502, 'UPSTREAM_FAILED', grpc.status.UNAVAILABLE],
      [503, 'OVERLOADED', grpc.status.UNAVAILABLE],
      [504, 'TIMEOUT', grpc.status.DEADLINE_EXCEEDED],
      [500, 'INFERENCE_FAILED', grpc.status.INTERNAL],
    ];
    for (const [status, code, expected] of cases) {
      answer = () => json(status, { error: `went wrong: ${code}`, code }, { 'retry-after': '2' });
      const { error } = await call('ModelInfer', { model_name: 'm', inputs: [] });
      expect([code, error?.code, error?.details, error?.metadata.get('splitflow-code')[0], error?.metadata.get('retry-after')[0]]).toEqual([
        code,
        expected,
        `${code}: went wrong: ${code}`,
        code,
        '2',
      ]);
    }
  });

  it('refuses a malformed call before any REST request, and turns a fault of the seam into INTERNAL', async () => {
    seen.length = 0;
    const mismatch = await call('ModelInfer', { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }], raw_input_contents: [] });
    expect([mismatch.error?.code, mismatch.error?.metadata.get('splitflow-code')[0]]).toEqual([grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST']);
    const fp16 = await call('ModelInfer', { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP16', shape: [1], contents: { fp32_contents: [1] } }] });
    expect(fp16.error?.details).toMatch(/FP16 has no typed contents/);
    const wraps = await call('ModelInfer', { model_name: 'm', inputs: [{ name: 'x', datatype: 'INT8', shape: [1], contents: { int_contents: [300] } }] });
    expect(wraps.error?.details).toMatch(/outside INT8/);
    const count = await call('ModelInfer', { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [2], contents: { fp32_contents: [1] } }] });
    expect(count.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(seen).toEqual([]);
    answer = () => {
      throw new Error('boom');
    };
    const fault = await call('ServerLive', {});
    expect([fault.error?.code, fault.error?.metadata.get('splitflow-code')[0]]).toEqual([grpc.status.INTERNAL, 'INTERNAL']);
  });

  it('a gRPC deadline becomes splitflow.deadline_ms unless the request names one', async () => {
    seen.length = 0;
    answer = () => json(200, { model_name: 'm', outputs: [] });
    await call('ModelInfer', { model_name: 'm', inputs: [] }, new grpc.Metadata(), { deadline: Date.now() + 30_000 });
    await call('ModelInfer', { model_name: 'm', inputs: [], parameters: { 'splitflow.deadline_ms': { int64_param: '250' } } }, new grpc.Metadata(), {
      deadline: Date.now() + 30_000,
    });
    const params = seen.map((r) => JSON.parse(r.payload?.subarray(0, Number(r.headers['inference-header-content-length'])).toString() as string).parameters);
    expect(params[0]['splitflow.deadline_ms']).toBeGreaterThan(1000);
    expect(params[0]['splitflow.deadline_ms']).toBeLessThanOrEqual(30_000);
    expect(params[1]['splitflow.deadline_ms']).toBe(250);
  });

  it('health: 200 is true; a not-ready answer (empty 4xx with the reason header) is false; other failures stay errors', async () => {
    answer = () => ({ statusCode: 400, headers: { 'splitflow-not-ready': 'NO_CAPACITY' }, rawPayload: Buffer.alloc(0) });
    expect((await call('ServerReady', {})).response).toEqual({ ready: false });
    expect((await call('ModelReady', { name: 'm' })).response).toEqual({ ready: false });
    answer = () => ({ statusCode: 200, headers: {}, rawPayload: Buffer.alloc(0) });
    expect((await call('ServerReady', {})).response).toEqual({ ready: true });
    answer = () => json(404, { error: 'no model "m"', code: 'MODEL_NOT_FOUND' });
    expect((await call('ModelReady', { name: 'm' })).error?.code).toBe(grpc.status.NOT_FOUND);
  });
});
