import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerConfig } from '@splitflow/contract';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { freePort } from '@splitflow/test-fixtures/free-port';
import { BROKER_CLI, startCli } from '@splitflow/test-fixtures/processes';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPoolModels, poolModelError } from './check-pool-models.js';

// A real worker on loopback that serves `mlp` only (the fixture catalog also has `double`).

let worker: RunningWorker;
let catalogPath: string;
let closedPort: number;

beforeAll(async () => {
  const fixture = await writeFixtureCatalog();
  catalogPath = fixture.catalogPath;
  worker = await startWorker({ catalog: catalogPath, modelDir: fixture.dir, models: ['mlp'], intraOpThreads: 1, logLevel: false });
  // A port nothing listens on: an endpoint that is down.
  closedPort = await freePort();
});
afterAll(() => worker?.close());

const config = (pools: { endpoints: string[]; models: string[] }[]): BrokerConfig => ({
  catalog: catalogPath,
  pools: pools.map((p, i) => ({
    name: `pool-${i}`,
    hardware: 'cpu',
    protocol: 'oip-v2',
    endpoints: p.endpoints.map((url) => ({ url })),
    costPerHour: 0.1,
    maxConcurrency: 4,
    models: p.models,
  })),
  anonymous: {},
  jobs: { store: 'memory' },
  log: { level: 'error' },
});

describe('pool models at startup', () => {
  it('refuses a model no endpoint of the pool serves, naming the pool, the model and the endpoint', async () => {
    const report = await checkPoolModels(config([{ endpoints: [worker.url], models: ['mlp', 'double'] }]));
    expect(report.checks.map((c) => [c.model, c.serving.length, c.missing.length])).toEqual([
      ['mlp', 1, 0],
      ['double', 0, 1],
    ]);
    expect(report.refused.map((c) => `${c.pool}/${c.model}`)).toEqual(['pool-0/double']);
    const error = poolModelError(report.refused);
    expect(error.code).toBe('INVALID_DOCUMENT');
    expect(error.message).toContain('pools[0].models[1]: pool "pool-0" lists model "double", but none of its endpoints serves it');
    expect(error.message).toContain(worker.url);
  });

  it('accepts a model that one endpoint serves, and only warns when the others cannot be asked', async () => {
    const down = `http://127.0.0.1:${closedPort}`;
    const report = await checkPoolModels(
      config([
        { endpoints: [down, worker.url], models: ['mlp'] },
        { endpoints: [down], models: ['double'] },
      ]),
      {
        timeoutMs: 2000,
      },
    );
    expect(report.refused).toEqual([]);
    expect(report.warnings).toEqual([`pool "pool-1" lists model "double", and no endpoint serves it yet: ${down} did not answer`]);
  });

  it('leaves pools whose members are discovered or register to those mechanisms', async () => {
    const pools = config([{ endpoints: [worker.url], models: ['double'] }]);
    const registering: BrokerConfig = { ...pools, pools: pools.pools.map((p) => ({ ...p, discovery: { register: true } })) };
    expect(await checkPoolModels(registering)).toEqual({ checks: [], refused: [], warnings: [] });
  });

  it('the CLI exits 1 with the typed error before listening', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'splitflow-pools-')), 'broker.json');
    writeFileSync(file, JSON.stringify(config([{ endpoints: [worker.url], models: ['double'] }])));
    const failure = await startCli(BROKER_CLI, ['--config', file, '--port', '0']).then(
      async (child) => {
        await child.stop();
        return 'it listened';
      },
      (error: Error) => error.message,
    );
    expect(failure).toMatch(
      /exited with 1 before listening: splitflow-broker: INVALID_DOCUMENT: .*pool "pool-0" lists model "double", but none of its endpoints serves it/,
    );
  });
});
