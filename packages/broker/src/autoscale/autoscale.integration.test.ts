import type { BrokerConfig, ModelCatalog } from '@splitflow/contract';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';
import { createLocalSupervisor, type LocalSupervisor } from './local-supervisor.js';

// The autoscaling loop end to end on one machine, all real: the broker computes the replicas its
// pool needs from the load it places, the local supervisor starts worker processes that register
// with the broker, and stops them when the load is gone. The target wait is set so tight that any
// steady load needs a second replica (0.999 of requests never queued behind another), so the test
// does not depend on how fast this machine is; it waits for membership, not for time.

const TOKEN = 'autoscale-token-000001';
let catalog: ModelCatalog;
let catalogPath: string;
let broker: Broker;
let url: string;
let supervisor: LocalSupervisor;

beforeAll(async () => {
  ({ catalog, catalogPath } = await writeFixtureCatalog());
  const config: BrokerConfig = {
    pools: [{ name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', discovery: { register: true }, costPerHour: 0.1, maxConcurrency: 1, models: ['mlp'] }],
    registration: { tokens: [TOKEN], heartbeatMs: 200, ttlMs: 2000 },
    autoscale: { targetWaitMs: { interactive: 0.001 }, quantile: 0.999, headroom: 0, windowMs: 3000, startupMs: 1000, scaleDownStabilizationMs: 1000 },
    health: { intervalMs: 100 },
    anonymous: {},
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog });
  url = await broker.listen();
  const pool = broker.scheduler.pools[0] as Broker['scheduler']['pools'][number];
  supervisor = createLocalSupervisor({
    pool: 'cpu',
    desired: () => broker.capacity()[0]?.desiredReplicas ?? 1,
    healthy: () => pool.healthyCount,
    launch: async () => {
      const child = await startCli(
        WORKER_CLI,
        ['--models', catalogPath, '--port', '0', '--threads', '1', '--log-level', 'warn', '--register', url, '--pool', 'cpu'],
        {
          SPLITFLOW_REGISTER_TOKEN: TOKEN,
        },
      );
      return { url: child.url, stop: () => child.stop() };
    },
    minReplicas: 1,
    maxReplicas: 2,
    scaleDownAfterMs: 500,
  });
});

afterAll(async () => {
  await supervisor?.stop();
  await broker?.close();
});

const infer = () =>
  fetch(`${url}/v2/models/mlp/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }),
  });

describe('autoscaling on one machine (broker plan, local supervisor, registering worker processes)', () => {
  it('grows the pool under load and shrinks it back when the load is gone, losing no request', async () => {
    const pool = broker.scheduler.pools[0] as Broker['scheduler']['pools'][number];
    await supervisor.tick();
    while (pool.healthyCount < 1) await new Promise((r) => setTimeout(r, 50));
    expect(supervisor.running).toHaveLength(1);

    const statuses: number[] = [];
    let running = true;
    const load = Promise.all(
      Array.from({ length: 3 }, async () => {
        while (running) statuses.push((await infer()).status);
      }),
    );
    // The plan asks for two; the supervisor starts the second; it registers and is admitted.
    while (pool.healthyCount < 2) {
      await supervisor.tick();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(broker.capacity()[0]?.desiredReplicas).toBeGreaterThanOrEqual(2);
    running = false;
    await load;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // No load: the plan falls to the floor once the windows empty, and the newest worker leaves.
    while (supervisor.running.length > 1) {
      await supervisor.tick();
      await new Promise((r) => setTimeout(r, 100));
    }
    while (pool.endpoints.length > 1) await new Promise((r) => setTimeout(r, 50));
    expect(broker.capacity()[0]?.desiredReplicas).toBe(1);
    expect((await infer()).status).toBe(200);
  });
});
