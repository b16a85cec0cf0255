import { readLoadHeaders } from '@splitflow/contract';
import type { AdapterPool, PoolAdapter } from './pool-adapter.js';
import { modelPath } from './pool-adapter.js';

/**
 * Our own worker: it serves the catalog's versions under the catalog's names, and its `/v2/health/ready`
 * is 200 once a model it serves is loaded, so one probe says it all.
 */
export function createWorkerAdapter(pool: AdapterPool): PoolAdapter {
  return {
    kind: 'worker',
    modelPath: (model, version, suffix) => modelPath(model, pool.versions[model] ?? version, suffix),
    async probe(upstream, url, timeoutMs) {
      const res = await upstream.request(url, { method: 'GET', path: '/v2/health/ready', timeoutMs });
      const { loadedModels } = readLoadHeaders((name) => res.headers[name]);
      return { ok: res.status === 200, why: `ready probe answered ${res.status}`, ...(loadedModels ? { loadedModels } : {}) };
    },
  };
}
