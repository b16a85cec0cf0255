import type { BrokerConfig, ModelCatalog } from '@splitflow/contract';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { type RunningRedis, startRedis } from '@splitflow/test-fixtures/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// Two broker replicas sharing registrations through a real redis-server: workers (real processes)
// heartbeat to replica A only; replica B serves them too, and lets them go when they leave (SIGTERM)
// or die (SIGKILL, their registration expiring in Redis).

const TOKEN = 'shared-registration-token-01';
let catalog: ModelCatalog;
let catalogPath: string;
let redis: RunningRedis;
let a: Broker;
let b: Broker;
let aUrl: string;
let bUrl: string;
const children: Child[] = [];

const config = (): BrokerConfig => ({
  pools: [{ name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', discovery: { register: true }, costPerHour: 0.1, maxConcurrency: 4, models: ['mlp'] }],
  // Loose enough that a busy machine's stalled heartbeat or slow probe ejects no live worker (see registration.integration.test.ts).
  registration: { tokens: [TOKEN], heartbeatMs: 200, ttlMs: 5000, store: 'redis' },
  health: { intervalMs: 100, timeoutMs: 10_000, unhealthyAfter: 3 },
  anonymous: {},
  jobs: { store: 'redis', url: redis.url, prefix: 'shared-reg:' },
  log: { level: 'silent' },
});

beforeAll(async () => {
  ({ catalog, catalogPath } = await writeFixtureCatalog());
  redis = await startRedis();
  a = await buildBroker(config(), { catalog });
  b = await buildBroker(config(), { catalog });
  [aUrl, bUrl] = await Promise.all([a.listen(), b.listen()]);
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await Promise.all([a?.close(), b?.close()]);
  await redis?.close();
});

const startWorker = async () => {
  const child = await startCli(
    WORKER_CLI,
    ['--models', catalogPath, '--port', '0', '--threads', '1', '--log-level', 'warn', '--register', aUrl, '--pool', 'cpu'],
    { SPLITFLOW_REGISTER_TOKEN: TOKEN },
  );
  children.push(child);
  return child;
};

const members = (broker: Broker) => (broker.scheduler.pools[0]?.endpoints ?? []).filter((e) => e.healthy).map((e) => e.url);
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
};
const infer = (base: string) =>
  fetch(`${base}/v2/models/mlp/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
  });

describe('registrations shared by broker replicas through Redis (real processes)', () => {
  it('a worker that heartbeats to one replica serves through the other, which lets it go when it leaves or dies', async () => {
    const first = await startWorker();
    const second = await startWorker();
    // Each replica marks a member healthy after its own probe: wait for both, then they agree exactly.
    await until(() => [a, b].every((r) => members(r).includes(first.url) && members(r).includes(second.url)));
    expect(members(a).sort()).toEqual(members(b).sort());
    const answers = await Promise.all(Array.from({ length: 8 }, () => infer(bUrl)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));

    // A clean leave reaches replica A; replica B sees it gone from Redis.
    await first.stop();
    await until(() => !b.scheduler.pools[0]!.endpoints.some((e) => e.url === first.url));
    expect(members(b)).toEqual([second.url]);
    expect((await infer(bUrl)).status).toBe(200);

    // A crash: nobody says goodbye; its registration expires in Redis and both replicas drop it.
    await second.kill();
    await until(() => b.scheduler.pools[0]!.endpoints.length === 0 && a.scheduler.pools[0]!.endpoints.length === 0);
  });

  it('refuses a shared store without the jobs Redis', async () => {
    const bad = { ...config(), jobs: { store: 'memory' as const } };
    await expect(buildBroker(bad, { catalog })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
});
