import { createServer } from 'node:net';
import type { BrokerConfig, ModelCatalog } from '@splitflow/contract';
import { type DnsServer, startDnsmasq } from '@splitflow/test-fixtures/dnsmasq';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// Real parts: Debian's dnsmasq on loopback serving A records the test changes (as a Kubernetes
// headless Service's records change when pods start and stop), two real workers on two loopback
// addresses with the same port, and a real broker. The test drives discovery and probes itself
// (`refresh`, `probeAll`) so it waits on events, not timers.

const NAME = 'workers.splitflow.test';
const A = '127.0.0.2';
const B = '127.0.0.3';

/** A port free on both loopback addresses. */
async function portFreeOn(hosts: string[]): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, hosts[0], () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const free = await Promise.all(
      hosts.map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const s = createServer();
            s.once('error', () => resolve(false));
            s.listen(port, host, () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
}

let dns: DnsServer;
let catalog: ModelCatalog;
let catalogPath: string;
let modelDir: string;
let port: number;
const workers: Record<string, RunningWorker> = {};
let broker: Broker;
let url: string;

beforeAll(async () => {
  dns = await startDnsmasq();
  const fixture = await writeFixtureCatalog();
  ({ catalog, catalogPath } = fixture);
  modelDir = fixture.dir;
  port = await portFreeOn([A, B]);
  for (const host of [A, B]) workers[host] = await startWorker({ catalog: catalogPath, modelDir, intraOpThreads: 1, host, port });
  await dns.setRecords({ [NAME]: [A] });
  const config: BrokerConfig = {
    pools: [
      {
        name: 'cpu',
        hardware: 'cpu',
        protocol: 'oip-v2',
        discovery: { dns: { name: NAME, port, servers: [dns.server], intervalMs: 60_000 } },
        costPerHour: 0.1,
        maxConcurrency: 4,
        models: ['mlp'],
      },
    ],
    anonymous: {},
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog, healthChecks: false });
  url = await broker.listen();
});

afterAll(async () => {
  await broker?.close();
  await Promise.all(Object.values(workers).map((w) => w.close()));
  await dns?.close();
});

const members = () => broker.scheduler.pools[0]?.endpoints.map((e) => `${e.url}${e.healthy ? '' : ' (ejected)'}`);

async function apply(records: string[]): Promise<void> {
  await dns.setRecords(records.length > 0 ? { [NAME]: records } : {});
  await broker.discovery.refresh();
  await broker.health.probeAll();
}

async function served(host: string): Promise<number> {
  const text = (await (workers[host] as RunningWorker).app.inject('/metrics')).body;
  const line = /splitflow_worker_requests_total\{model="mlp",status="200"\} (\d+)/.exec(text);
  return Number(line?.[1] ?? 0);
}

const infer = () =>
  fetch(`${url}/v2/models/mlp/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
  });

describe('pools discovered in DNS (dnsmasq, real workers and broker)', () => {
  it('admits endpoints as records appear, drains those that disappear, and loses no request under load', async () => {
    await broker.discovery.refresh();
    await broker.health.probeAll();
    expect(members()).toEqual([`http://${A}:${port}`]);

    // Load throughout: four requests in flight at any time.
    const statuses: number[] = [];
    let running = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (running) statuses.push((await infer()).status);
      }),
    );
    const waitFor = async (check: () => Promise<boolean>) => {
      while (!(await check())) await infer().then((r) => statuses.push(r.status));
    };

    await waitFor(async () => (await served(A)) >= 10);
    await apply([A, B]);
    expect(members()).toEqual([`http://${A}:${port}`, `http://${B}:${port}`]);
    await waitFor(async () => (await served(B)) >= 10);

    await apply([B]);
    expect(members()).toEqual([`http://${B}:${port}`]);
    // What A had in flight when it left finishes there (every status below is 200); after that it gets nothing.
    await waitFor(async () => (await served(B)) >= 30);
    running = false;
    await load;
    const afterLeaving = await served(A);
    for (let i = 0; i < 10; i++) statuses.push((await infer()).status);
    expect(await served(A)).toBe(afterLeaving);

    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('answers a typed 503 with no endpoints left, and takes them back when records return', async () => {
    await apply([]);
    expect(members()).toEqual([]);
    const res = await infer();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('NO_CAPACITY');
    await apply([A]);
    expect((await infer()).status).toBe(200);
  });

  it('keeps the members it has when DNS itself fails', async () => {
    await dns.close();
    await broker.discovery.refresh();
    expect(members()).toEqual([`http://${A}:${port}`]);
    expect((await infer()).status).toBe(200);
  });
});
