import type { BrokerConfig, ModelCatalog } from '@splitflow/contract';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// Real processes: worker CLIs that join a broker's pool with `--register`, heartbeat, die (SIGKILL),
// leave (SIGTERM) and come back, under load; the broker runs in this process so the test can watch
// its membership. Waits are on events (answers, membership), never on fixed sleeps.

const TOKEN = 'registration-token-0001';
let catalog: ModelCatalog;
let catalogPath: string;
let broker: Broker;
let url: string;
const children: Child[] = [];

beforeAll(async () => {
  ({ catalog, catalogPath } = await writeFixtureCatalog());
  const config: BrokerConfig = {
    pools: [{ name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', discovery: { register: true }, costPerHour: 0.1, maxConcurrency: 4, models: ['mlp'] }],
    // A busy machine may stall a live worker's heartbeats or probes for a second or more: neither the TTL
    // nor a slow probe may then eject the only worker left. A killed worker still goes: its probes and
    // the requests sent to it fail at once (connection refused), and its heartbeats stop.
    registration: { tokens: [TOKEN], heartbeatMs: 200, ttlMs: 5000 },
    health: { intervalMs: 100, timeoutMs: 10_000, unhealthyAfter: 3 },
    anonymous: {},
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog });
  url = await broker.listen();
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await broker?.close();
});

const startWorker = async () => {
  const child = await startCli(
    WORKER_CLI,
    ['--models', catalogPath, '--port', '0', '--threads', '1', '--log-level', 'warn', '--register', url, '--pool', 'cpu'],
    {
      SPLITFLOW_REGISTER_TOKEN: TOKEN,
    },
  );
  children.push(child);
  return child;
};

const members = () => (broker.scheduler.pools[0]?.endpoints ?? []).filter((e) => e.healthy).map((e) => e.url);

const infer = () =>
  fetch(`${url}/v2/models/mlp/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
  });

const register = (body: unknown, token = TOKEN) =>
  fetch(`${url}/v2/splitflow/endpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

describe('workers that register with the broker (real worker processes)', () => {
  it('join, die and come back under load, and no request is lost', async () => {
    const statuses: number[] = [];
    const until = async (check: () => boolean) => {
      while (!check()) statuses.push((await infer()).status);
    };
    const spawned = performance.now();
    const first = await startWorker();
    await until(() => members().includes(first.url));
    // Its start-up, measured from the uptime it registered with: after it was spawned, before this saw it admitted.
    const startup = broker.scheduler.pools[0]?.startupMs ?? Number.NaN;
    expect(startup).toBeGreaterThan(0);
    expect(startup).toBeLessThanOrEqual(performance.now() - spawned);
    statuses.length = 0; // 503s before the first worker was admitted are not load.
    const second = await startWorker();
    await until(() => members().includes(second.url));

    let running = true;
    const load = Promise.all(
      Array.from({ length: 3 }, async () => {
        while (running) statuses.push((await infer()).status);
      }),
    );
    await first.kill();
    // Its heartbeats stop; after the TTL it leaves the pool, while the other one serves everything.
    await until(() => !(broker.scheduler.pools[0]?.endpoints ?? []).some((e) => e.url === first.url));
    const third = await startWorker();
    await until(() => members().includes(third.url));
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // The plan looks that far ahead, and says so.
    const page = await (await fetch(`${url}/metrics`)).text();
    expect(Number(/^splitflow_broker_pool_startup_seconds\{pool="cpu"\} (\S+)$/m.exec(page)?.[1])).toBeCloseTo(
      (broker.scheduler.pools[0]?.startupMs ?? 0) / 1000,
      6,
    );

    // What a scraper (KEDA, the local supervisor) reads: the endpoints there are, none that left.
    const scrapeHealthy = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^splitflow_broker_endpoint_healthy\{[^}]*endpoint="([^"]+)"[^}]*\} 1$/gm)].map((m) => m[1]?.replace(/\/$/, '')).sort();
    };
    expect(await scrapeHealthy()).toEqual([second.url, third.url].map((u) => u.replace(/\/$/, '')).sort());

    // A worker that stops cleanly says so and leaves at once, not a TTL later.
    await second.stop();
    expect((broker.scheduler.pools[0]?.endpoints ?? []).map((e) => e.url)).toEqual([third.url]);
    expect((await infer()).status).toBe(200);
    expect(await scrapeHealthy()).toEqual([third.url.replace(/\/$/, '')]);
  });

  it('refuses a wrong token, a pool that takes no registrations and a worker that cannot serve the pool', async () => {
    const wrong = await register({ pool: 'cpu', url: 'http://127.0.0.1:9', models: ['mlp'] }, 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('UNAUTHORIZED');
    const noPool = await register({ pool: 'gpu', url: 'http://127.0.0.1:9', models: ['mlp'] });
    expect(noPool.status).toBe(400);
    expect(((await noPool.json()) as { error: string }).error).toMatch(/pool "gpu" takes no registered workers/);
    const cannot = await register({ pool: 'cpu', url: 'http://127.0.0.1:9', models: ['double'] });
    expect(cannot.status).toBe(400);
    expect(((await cannot.json()) as { error: string }).error).toMatch(/does not serve mlp/);
    const malformed = await register({ pool: 'cpu', url: 'http://127.0.0.1:9', models: 'mlp' });
    expect(malformed.status).toBe(400);
    expect(broker.scheduler.pools[0]?.endpoints.some((e) => e.url === 'http://127.0.0.1:9')).toBe(false);
  });
});
