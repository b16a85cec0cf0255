import type { BrokerPool } from '@splitflow/contract';

/**
 * A CPU pool named `cpu` of one endpoint at `url`, serving `models`, at the price and concurrency most
 * tests take; `overrides` sets whatever a test depends on (its name, limits or throughput priors).
 */
export function cpuPool(url: string, models: string[], overrides: Partial<BrokerPool> = {}): BrokerPool {
  return { name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', endpoints: [{ url }], costPerHour: 0.1, maxConcurrency: 4, models, ...overrides };
}

/**
 * A CPU pool whose one endpoint is the discard port on loopback, where nothing answers: for tests of
 * what the broker does before it reaches a pool (auth, parsing, guards, CORS, metrics).
 */
export function unreachablePool(models: string[] = ['mlp']): BrokerPool {
  return cpuPool('http://127.0.0.1:9', models, { costPerHour: 1, maxConcurrency: 1, throughput: { gflops: 1, fixedOverheadMs: 1 } });
}
