import type { EndpointKind } from '@splitflow/contract';
import { createOipServerAdapter } from './oip-server-adapter.js';
import type { AdapterPool, PoolAdapter } from './pool-adapter.js';
import { createWorkerAdapter } from './worker-adapter.js';

/** One adapter per kind of endpoint (config `endpoints[].kind`); unknown kinds never get here (the config schema lists them). */
const ADAPTERS: Readonly<Record<EndpointKind, (pool: AdapterPool) => PoolAdapter>> = Object.freeze({
  worker: createWorkerAdapter,
  triton: (pool: AdapterPool) => createOipServerAdapter('triton', pool),
  kserve: (pool: AdapterPool) => createOipServerAdapter('kserve', pool),
});

export function createPoolAdapter(kind: EndpointKind, pool: AdapterPool): PoolAdapter {
  return ADAPTERS[kind](pool);
}
