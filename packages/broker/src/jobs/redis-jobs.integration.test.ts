import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerConfig, decodeInferResponse, encodeInferRequest, isSplitflowError, type ModelCatalog } from '@splitflow/contract';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { BROKER_CLI, type Child, startCli, startStalledServer } from '@splitflow/test-fixtures/processes';
import { type RunningRedis, startRedis } from '@splitflow/test-fixtures/redis-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// Integration: brokers sharing one real redis-server, a real worker (onnxruntime-node) and, where a
// job must stay "running", an endpoint that never answers. Brokers are in-process or, where one must
// die mid-job, a child process killed with SIGKILL.

const KEY = 'redis-integration-key-01';
const auth = { authorization: `Bearer ${KEY}` };

let catalog: ModelCatalog;
let catalogPath: string;
let worker: RunningWorker;
let redis: RunningRedis;
let prefixes = 0;

beforeAll(async () => {
  const fixture = await writeFixtureCatalog();
  ({ catalog, catalogPath } = fixture);
  [worker, redis] = await Promise.all([startWorker({ catalog: catalogPath, modelDir: fixture.dir, intraOpThreads: 1 }), startRedis()]);
});
afterAll(async () => {
  await Promise.all([worker?.close(), redis?.close()]);
});

const pool = (url: string) => cpuPool(url, ['mlp', 'double'], { throughput: { gflops: 1, fixedOverheadMs: 0.05 } });

/** A broker config on the shared Redis, under a prefix of its own unless `prefix` joins another's. */
function redisConfig(url: string, jobs: BrokerConfig['jobs'] = {}, over: Partial<BrokerConfig> = {}): BrokerConfig {
  return {
    pools: [pool(url)],
    tenants: [{ id: 'acme', apiKeys: [KEY] }],
    jobs: { store: 'redis', url: redis.url, prefix: `it${++prefixes}:`, leaseS: 0.6, ...jobs },
    log: { level: 'silent' },
    ...over,
  };
}

const open: Broker[] = [];
async function listening(config: BrokerConfig): Promise<{ broker: Broker; url: string }> {
  const broker = await buildBroker(config, { catalog, healthChecks: false });
  open.push(broker);
  return { broker, url: await broker.listen() };
}
async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((b) => b.close()));
}

const mlpInput = (rows: number) => Array.from({ length: rows * 4 }, (_, i) => ((i % 5) - 2) / 2);
const body = (rows: number, parameters: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data: mlpInput(rows) }], parameters });
const asyncBody = (rows: number) => body(rows, { 'splitflow.mode': 'async' });

interface Answer {
  code?: string;
  id?: string;
  details?: Record<string, unknown>;
  outputs?: { shape: number[]; data: number[] }[];
}

async function post(url: string, payload: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${url}/v2/models/mlp/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Answer };
}

async function submit(url: string, rows: number): Promise<string> {
  const res = await post(url, asyncBody(rows));
  expect(res.status).toBe(202);
  return res.json.id as string;
}

/** Polls GET /v2/jobs/{id} until the job has its answer. */
function finished(url: string, id: string, timeout = 10_000): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  return vi.waitFor(
    async () => {
      const res = await fetch(`${url}/v2/jobs/${id}`, { headers: auth });
      if (res.status === 202) throw new Error(`job ${id} is still ${res.headers.get('splitflow-job-status')}`);
      return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
    },
    { timeout, interval: 25 },
  );
}

async function jobState(url: string, id: string): Promise<{ status: string; attempts: number }> {
  const res = await fetch(`${url}/v2/jobs/${id}`, { headers: auth });
  expect(res.status).toBe(202);
  return (await res.json()) as { status: string; attempts: number };
}

async function expectSameAsDirect(answer: { status: number; bytes: Buffer }, rows: number): Promise<void> {
  expect(answer.status).toBe(200);
  const direct = (await post(worker.url, body(rows), {})).json;
  const got = JSON.parse(answer.bytes.toString()) as Answer;
  expect(got.outputs?.[0]?.shape).toEqual([rows, 3]);
  for (const [i, v] of (direct.outputs?.[0]?.data ?? []).entries()) expect(got.outputs?.[0]?.data[i]).toBeCloseTo(v, 5);
}

describe('redis job store shared by brokers', () => {
  it('serves from one broker a job accepted by another, JSON and binary alike', async () => {
    try {
      const a = await listening(redisConfig(worker.url));
      const b = await listening(redisConfig(worker.url, { prefix: `it${prefixes}:` })); // the same deployment
      const id = await submit(a.url, 3);
      await expectSameAsDirect(await finished(b.url, id), 3);

      // A binary (Triton extension) request goes in through B and comes out of A byte for byte.
      const binary = encodeInferRequest({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array([1, -2, 3, 0.5]) }],
        parameters: { 'splitflow.mode': 'async' },
        binary: true,
      });
      const accepted = await fetch(`${b.url}/v2/models/double/infer`, {
        method: 'POST',
        headers: { ...auth, ...binary.headers },
        body: Buffer.from(binary.body as Uint8Array),
      });
      expect(accepted.status).toBe(202);
      const { id: binaryId } = (await accepted.json()) as { id: string };
      const done = await finished(a.url, binaryId);
      expect(done.status).toBe(200);
      const decoded = decodeInferResponse(new Uint8Array(done.bytes), done.headers.get('inference-header-content-length'));
      expect([...(decoded.outputs[0]!.data as Float32Array)]).toEqual([2, -4, 6, 1]);
      expect(await a.broker.jobs.counts()).toMatchObject({ queued: 0, running: 0, done: 2 });
    } finally {
      await closeAll();
    }
  });

  it("leaves a live broker's running job alone, and re-runs it once that broker is killed and its lease runs out", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitflow-redis-jobs-'));
    const stalled = await startStalledServer();
    // A renews every third of its lease; the lease is long enough that a busy machine does not stall A
    // past it, and short enough that B takes the job over soon after A is killed.
    const shared = redisConfig(stalled.url, { concurrency: 1, leaseS: 4 });
    const leaseMs = 4000;
    const configFile = join(dir, 'broker.json');
    writeFileSync(configFile, JSON.stringify({ ...shared, catalog: catalogPath, log: { level: 'warn' } }));
    let child: Child | undefined;
    try {
      child = await startCli(BROKER_CLI, ['--config', configFile]);
      const held = await submit(child.url, 2);
      await stalled.firstRequest;
      // A claimed the job before it sent it on: its first lease ends before this plus leaseMs.
      const claimedBy = Date.now();

      // B starts while A runs the job: its startup recover and its lease checks must leave it alone.
      const b = await listening({ ...shared, pools: [pool(worker.url)] });
      // B's lease checks, seen as they finish: one that ran after A's first lease had ended shows that
      // A's renewals, not the first claim, kept the job A's.
      const checks: number[] = [];
      const recover = b.broker.jobs.recover.bind(b.broker.jobs);
      b.broker.jobs.recover = async (now) => {
        const recovered = await recover(now);
        checks.push(now);
        return recovered;
      };
      await vi.waitFor(
        () => {
          if (!checks.some((now) => now > claimedBy + 1.25 * leaseMs)) throw new Error(`B has checked leases ${checks.length} times`);
        },
        { timeout: 60_000, interval: 50 },
      );
      expect(await jobState(b.url, held)).toMatchObject({ status: 'running', attempts: 1 });

      // A's only slot is taken, so a job it accepts now is run by B.
      const queued = await submit(child.url, 3);
      await expectSameAsDirect(await finished(b.url, queued), 3);

      await child.kill();
      const rerun = await finished(b.url, held, 60_000);
      await expectSameAsDirect(rerun, 2);
      const state = await b.broker.jobs.get(held);
      expect(state).toMatchObject({ status: 'done', attempts: 2 });
      expect(await b.broker.jobs.counts()).toMatchObject({ queued: 0, running: 0, done: 2, failed: 0 });
      expect(await (await fetch(`${b.url}/metrics`)).text()).toContain('splitflow_broker_job_events_total{event="recovered"} 1');
    } finally {
      await child?.kill();
      await stalled.close();
      await closeAll();
    }
  });

  it('answers async 503 while Redis is down, keeps serving sync requests, and takes jobs again once it is back', async () => {
    const own = await startRedis();
    try {
      const config = redisConfig(worker.url, { url: own.url }, { limits: { rateLimitStore: 'redis' } });
      config.tenants = [{ id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 1000, burst: 1000 } }];
      const { broker, url } = await listening(config);
      const before = await submit(url, 1);
      await expectSameAsDirect(await finished(url, before), 1);

      await own.kill();
      const refused = await post(url, asyncBody(2));
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ code: 'OVERLOADED', details: { store: 'redis' } });
      expect(refused.headers.get('retry-after')).toBe('1');
      const lookup = await fetch(`${url}/v2/jobs/${before}`, { headers: auth });
      expect(lookup.status).toBe(503);
      // Sync inference needs no store; the shared rate limit falls back to this broker's bucket.
      for (let i = 0; i < 3; i++) expect((await post(url, body(2))).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(200);

      await own.restart();
      const after = await vi.waitFor(
        async () => {
          const res = await post(url, asyncBody(2));
          if (res.status !== 202) throw new Error(`still ${res.status}`);
          return res.json.id as string;
        },
        { timeout: 10_000, interval: 100 },
      );
      await expectSameAsDirect(await finished(url, after), 2);
      // The answer stored before the crash survived it (AOF, fsync always).
      await expectSameAsDirect(await finished(url, before), 1);
      expect(await broker.jobs.get('nope')).toBeUndefined();
    } finally {
      await closeAll();
      await own.close();
    }
  });

  it('refuses to start when jobs.url does not answer, naming it and hiding the password', async () => {
    const closed = await startRedis();
    const port = closed.port;
    await closed.close();
    const url = `redis://:sekret-pass-123@127.0.0.1:${port}`;
    const failure = await buildBroker(redisConfig(worker.url, { url }), { catalog, healthChecks: false }).catch((e: unknown) => e);
    expect(isSplitflowError(failure, 'INVALID_DOCUMENT')).toBe(true);
    expect((failure as Error).message).toContain(`jobs.url: cannot reach Redis at redis://:***@127.0.0.1:${port}`);
    expect((failure as Error).message).not.toContain('sekret');
    expect(failure).toMatchObject({ details: { issues: [{ path: 'jobs.url' }] } });

    // The CLI prints it and exits non-zero.
    const dir = mkdtempSync(join(tmpdir(), 'splitflow-redis-bad-'));
    const file = join(dir, 'broker.json');
    writeFileSync(file, JSON.stringify({ ...redisConfig(worker.url, { url }), catalog: catalogPath }));
    await expect(startCli(BROKER_CLI, ['--config', file])).rejects.toThrow(
      /exited with 1 before listening: splitflow-broker: INVALID_DOCUMENT: jobs\.url: cannot reach Redis/,
    );
  });
});

describe('rate limits shared in Redis', () => {
  it("counts a tenant's rate once across two brokers with rateLimitStore redis, and per broker without", async () => {
    const limited = (store: 'local' | 'redis', prefix: string) =>
      redisConfig(
        worker.url,
        { prefix },
        { tenants: [{ id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 0.01, burst: 3 } }], limits: { rateLimitStore: store } },
      );
    try {
      const prefix = `rate${++prefixes}:`;
      const a = await listening(limited('redis', prefix));
      const b = await listening(limited('redis', prefix));
      const statuses: number[] = [];
      for (const url of [a.url, b.url, a.url, b.url, a.url]) statuses.push((await post(url, body(1))).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await post(b.url, body(1));
      expect(refused.json).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'rate' } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(99);
      await closeAll();

      const localPrefix = `rate${++prefixes}:`;
      const c = await listening(limited('local', localPrefix));
      const d = await listening(limited('local', localPrefix));
      const local: number[] = [];
      for (const url of [c.url, d.url, c.url, d.url, c.url, d.url, c.url]) local.push((await post(url, body(1))).status);
      expect(local).toEqual([200, 200, 200, 200, 200, 200, 429]);
    } finally {
      await closeAll();
    }
  });
});
