import type { BrokerPool } from '@splitflow/contract';

/**
 * A CPU pool whose one endpoint is the discard port on loopback, where nothing answers: for tests of
 * what the broker does before it reaches a pool (auth, parsing, guards, CORS, metrics).
 */
export function unreachablePool(models: string[] = ['mlp']): BrokerPool {
  return {
    name: 'cpu',
    hardware: 'cpu',
    protocol: 'oip-v2',
    endpoints: [{ url: 'http://127.0.0.1:9' }],
    costPerHour: 1,
    maxConcurrency: 1,
    models,
    throughput: { gflops: 1, fixedOverheadMs: 1 },
  };
}
