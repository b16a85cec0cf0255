import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bytesFromStrings } from '@splitflow/contract';
import { OIP_PROTO_PATH } from '@splitflow/oip-grpc';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { writeEchoCatalog } from '@splitflow/test-fixtures/echo-catalog';
import { BROKER_CLI, type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { STANDARD_CLIENTS_SCRIPT } from '@splitflow/test-fixtures/standard-clients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The bar for standard clients: OIP v2 over REST and gRPC from clients the project does not write
// (Python's grpcio with stubs generated from the official proto; http.client and urllib sending what
// Triton's HTTP client and curl send), against a worker and through the broker, with every tensor
// byte checked: FP32 bit patterns (-0, a denormal, a NaN with a payload, infinities), INT64 past 2^53,
// UTF-8 BYTES. Needs Debian's python3-grpcio and python3-grpc-tools (scripts/ensure-grpc-python.sh).

const exec = promisify(execFile);
const SCRIPT = STANDARD_CLIENTS_SCRIPT;
const KEY = 'standard-client-key-0001';

const N = 8;
const f = new Uint32Array([0x00000000, 0x80000000, 0x00000001, 0x7f7fffff, 0xff800000, 0x7fc00001, 0x3f800001, 0xc2f6e979]);
const i = BigInt64Array.from([2n ** 62n + 2n, -(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n, 0n, -1n, 9007199254740993n, 4611686018427387906n]);
const strings = ['', 'héllo wörld', '🙂', 'a', '{"json":1}', ' ', 'x'.repeat(100), 'ünï'];
const s = Buffer.concat(
  bytesFromStrings(strings).map((b) => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(b.length);
    return Buffer.concat([length, b]);
  }),
);
const hex = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const EXPECTED = [hex(f), hex(i), hex(s)];

interface Report {
  grpc: Record<string, unknown> & {
    infer_raw: InferSummary;
    infer_typed: InferSummary;
    unknown_model: RpcError;
    bad_shape: RpcError;
    wrong_version: RpcError;
    no_key: RpcError;
  };
  rest: Record<string, { status: number; body?: string; header?: { outputs: { name: string }[]; parameters?: Record<string, unknown> }; binary?: string }>;
}
interface InferSummary {
  model_name: string;
  outputs: { name: string; datatype: string; shape: number[] }[];
  raw: string[];
  parameters: Record<string, unknown>;
  metadata: Record<string, string>;
}
interface RpcError {
  code: string;
  details?: string;
  metadata?: Record<string, string>;
}

async function runClients(rest: string, grpc: string, token: string | null): Promise<Report> {
  const args = { rest, grpc, proto: OIP_PROTO_PATH, token, model: 'echo', version: '1.0.0', n: N, f: EXPECTED[0], i: EXPECTED[1], s: EXPECTED[2] };
  const { stdout } = await exec('/usr/bin/python3', [SCRIPT, JSON.stringify(args)], { timeout: 120_000 });
  return JSON.parse(stdout) as Report;
}

let worker: Child;
let broker: Child;
const reports: Partial<Record<'worker' | 'broker', Report>> = {};

/** Waits for the broker to say it is ready (its health checks found the worker); bounded by the hook's timeout. */
async function ready(url: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${url}/v2/health/ready`);
    if (res.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Both servers run as their CLIs (real processes), started with --grpc-port 0 as a user would.
beforeAll(async () => {
  const echo = await writeEchoCatalog();
  worker = await startCli(WORKER_CLI, [
    '--models',
    echo.catalogPath,
    '--model-dir',
    echo.dir,
    '--port',
    '0',
    '--grpc-port',
    '0',
    '--threads',
    '1',
    '--log-level',
    'warn',
  ]);
  const config = {
    catalog: echo.catalogPath,
    pools: [cpuPool(worker.url, ['echo'])],
    tenants: [{ id: 'acme', apiKeys: [KEY] }],
    health: { intervalMs: 200 },
    jobs: { store: 'memory' },
    log: { level: 'warn' },
  };
  const configPath = join(echo.dir, 'broker.json');
  await writeFile(configPath, JSON.stringify(config));
  broker = await startCli(BROKER_CLI, ['--config', configPath, '--port', '0', '--grpc-port', '0']);
  await ready(broker.url);
  // One run per server; the cases below read the reports.
  reports.worker = await runClients(worker.url, worker.listening.grpc as string, null);
  reports.broker = await runClients(broker.url, broker.listening.grpc as string, KEY);
});
afterAll(async () => {
  await broker?.stop();
  await worker?.stop();
});

describe.each(['worker', 'broker'] as const)('standard OIP clients against the %s', (server) => {
  const report = () => reports[server] as Report;

  it('gRPC: health, server and model metadata as the REST routes answer them', () => {
    const g = report().grpc;
    expect([g.live, g.ready, g.model_ready]).toEqual([true, true, true]);
    expect(g.server_metadata).toMatchObject({
      name: server === 'worker' ? 'splitflow-worker' : 'splitflow-broker',
      extensions: expect.arrayContaining(['binary_tensor_data']),
    });
    expect(g.model_metadata).toEqual({
      name: 'echo',
      versions: ['1.0.0'],
      inputs: [
        { name: 'f', datatype: 'FP32', shape: [-1] },
        { name: 'i', datatype: 'INT64', shape: [-1] },
        { name: 's', datatype: 'BYTES', shape: [-1] },
      ],
    });
  });

  it('gRPC ModelInfer with raw_input_contents: every byte back unchanged in raw_output_contents', () => {
    const r = report().grpc.infer_raw;
    expect(r.model_name).toBe('echo');
    expect(r.outputs).toEqual([
      { name: 'f_out', datatype: 'FP32', shape: [N] },
      { name: 'i_out', datatype: 'INT64', shape: [N] },
      { name: 's_out', datatype: 'BYTES', shape: [N] },
    ]);
    expect(r.raw).toEqual(EXPECTED);
    if (server === 'broker') {
      expect(r.metadata['x-request-id']).toBe('grpc-std-1');
      // The route rides in the response parameters as in REST, and in the initial metadata as REST's headers.
      expect(r.parameters).toMatchObject({ 'splitflow.pool': 'cpu', 'splitflow.hardware': 'cpu' });
      expect(r.metadata).toMatchObject({ 'splitflow-pool': 'cpu', 'splitflow-attempts': '1' });
    }
  });

  it('gRPC ModelInfer with typed contents: the same tensors back as raw bytes', () => {
    const r = report().grpc.infer_typed;
    // INT64 and BYTES exactly; FP32 bit for bit except the NaN, whose payload a Python float need not keep.
    expect(r.raw.slice(1)).toEqual(EXPECTED.slice(1));
    const back = new Uint32Array(Uint8Array.from(Buffer.from(r.raw[0] as string, 'hex')).buffer);
    f.forEach((bits, k) => {
      if (k === 5) expect(Number.isNaN(new Float32Array(back.buffer)[k])).toBe(true);
      else expect(back[k]).toBe(bits);
    });
  });

  it('gRPC errors map to status codes, with the stable code in metadata', () => {
    const g = report().grpc;
    expect(g.unknown_model).toMatchObject({ code: 'NOT_FOUND', metadata: { 'splitflow-code': 'MODEL_NOT_FOUND' } });
    expect(g.wrong_version).toMatchObject({ code: 'NOT_FOUND', metadata: { 'splitflow-code': 'MODEL_NOT_FOUND' } });
    expect(g.bad_shape.code).toBe('INVALID_ARGUMENT');
    expect(g.bad_shape.metadata?.['splitflow-code']).toMatch(/^INVALID_(TENSOR|REQUEST)$/);
    expect(g.bad_shape.details).toMatch(/^INVALID_/);
    if (server === 'broker') expect(g.no_key).toMatchObject({ code: 'UNAUTHENTICATED', metadata: { 'splitflow-code': 'UNAUTHORIZED' } });
  });

  it("REST as Triton's client sends it (no Content-Type) and as curl does (form type): bytes back unchanged", () => {
    for (const kind of ['no_content_type', 'form_type']) {
      const r = report().rest[kind];
      expect([kind, r?.status]).toEqual([kind, 200]);
      expect(r?.header?.outputs.map((o) => o.name)).toEqual(['f_out', 'i_out', 's_out']);
      expect(r?.binary).toBe(EXPECTED.join(''));
      if (server === 'broker') expect(r?.header?.parameters).toMatchObject({ 'splitflow.pool': 'cpu' });
    }
  });

  it('REST with tensor data in JSON as Python writes it (NaN and infinity tokens, INT64 past 2^53, -0.0): values back exactly', () => {
    const all = report().rest.json_data as unknown as { status: number; raw: string[]; json: boolean[] };
    expect(all.status).toBe(200);
    // INT64 past 2^53 and BYTES exactly, both written back in JSON as asked.
    expect(all.raw.slice(1)).toEqual(EXPECTED.slice(1));
    expect(all.json.slice(1)).toEqual([true, true]);
    // FP32 bit for bit but the NaN's payload (a JSON NaN has none); non-finite outputs travel binary.
    const back = new Uint32Array(Uint8Array.from(Buffer.from(all.raw[0] as string, 'hex')).buffer);
    f.forEach((bits, k) => {
      if (k === 5) expect(Number.isNaN(new Float32Array(back.buffer)[k])).toBe(true);
      else expect(back[k]).toBe(bits);
    });
    // Finite floats come back in JSON, -0.0 with its sign (written `0` it would read as an integer zero).
    const finite = report().rest.json_data_finite as unknown as { status: number; raw: string[]; json: boolean[] };
    expect(finite.status).toBe(200);
    expect(finite.json).toEqual([true, true, true]);
    const expectedF = Uint32Array.from(f, (bits, k) => (k === 4 || k === 5 ? 0x3f800000 : bits));
    expect(finite.raw[0]).toBe(hex(expectedF));
  });

  it('REST health answers with empty bodies, and GET /v2/ with server metadata', () => {
    const r = report().rest;
    expect([r.live?.status, r.live?.body, r.ready?.status, r.ready?.body]).toEqual([200, '', 200, '']);
    expect(r.server?.status).toBe(200);
    expect(JSON.parse(r.server?.body as string)).toMatchObject({ extensions: expect.arrayContaining(['binary_tensor_data']) });
  });
});
