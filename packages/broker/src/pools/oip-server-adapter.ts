import type { AdapterPool, PoolAdapter } from './pool-adapter.js';
import { modelPath } from './pool-adapter.js';

/**
 * Triton or KServe: servers with their own model repository. Their versions are not the catalog's
 * (Triton numbers them 1, 2, ...; KServe rarely names one), so a request goes to the version the pool
 * config maps the model to, or to the unversioned path, where the server applies its version policy.
 * Server readiness does not say every model is loaded (Triton without strict readiness, KServe while a
 * model loads), so a probe asks `/v2/health/ready` and then each model the pool is meant to serve; the
 * endpoint takes work only when all answer 200 (Triton says 400 when not ready, KServe 503).
 */
export function createOipServerAdapter(kind: 'triton' | 'kserve', pool: AdapterPool): PoolAdapter {
  const pathOf = (model: string, suffix: string) => modelPath(model, pool.versions[model], suffix);
  return {
    kind,
    modelPath: (model, _catalogVersion, suffix) => pathOf(model, suffix),
    async probe(upstream, url, timeoutMs) {
      const server = await upstream.request(url, { method: 'GET', path: '/v2/health/ready', timeoutMs });
      if (server.status !== 200) return { ok: false, why: `server ready probe answered ${server.status}` };
      const models = [...pool.models];
      const answers = await Promise.all(models.map((m) => upstream.request(url, { method: 'GET', path: pathOf(m, '/ready'), timeoutMs })));
      const notReady = models.flatMap((m, i) => (answers[i]?.status === 200 ? [] : [`${m} (${answers[i]?.status})`]));
      if (notReady.length > 0) return { ok: false, why: `models not ready there: ${notReady.join(', ')}` };
      return { ok: true, why: 'server and models ready' };
    },
  };
}
