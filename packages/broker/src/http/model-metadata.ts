import { type ModelManifest, type ModelMetadata, modelMetadata } from '@splitflow/contract';
import type { Upstream } from '../proxy/upstream.js';
import { isServing, type PoolState } from '../scheduler/pool-state.js';

/** How long the broker waits for a Triton or KServe pool's own metadata before answering from the catalog alone. */
export const POOL_METADATA_TIMEOUT_MS = 1000;

/**
 * A model's OIP metadata at the broker. Names, versions and tensors are the catalog's: they are what
 * clients address and what requests are checked against. Where a pool is another kind of server
 * (Triton, KServe), what it says that differs is added from it: its platform and its own versions of
 * the model (`pool_versions`), asked of one serving endpoint; a pool that does not answer in time is
 * left out, not waited for.
 */
export async function brokerModelMetadata(manifest: ModelManifest, pools: readonly PoolState[], upstream: Upstream): Promise<ModelMetadata> {
  const properties: Record<string, string> = {
    task: manifest.task,
    pools: pools.map((p) => p.name).join(','),
    hardware: [...new Set(pools.map((p) => p.hardware))].join(','),
  };
  let platform = 'splitflow_broker';
  const foreign = pools.flatMap((p) => p.endpoints.filter((e) => e.adapter.kind !== 'worker' && isServing(e)).slice(0, 1));
  const answers = await Promise.all(
    foreign.map(async (e) => {
      try {
        const res = await upstream.request(e.url, {
          method: 'GET',
          path: e.adapter.modelPath(manifest.id, manifest.version, ''),
          timeoutMs: POOL_METADATA_TIMEOUT_MS,
        });
        return res.status === 200 ? { e, body: JSON.parse(res.body.toString('utf8')) as { platform?: unknown; versions?: unknown } } : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  for (const answer of answers) {
    if (answer === undefined) continue;
    const { e, body } = answer;
    if (typeof body.platform === 'string') {
      properties[`${e.pool.name}.platform`] = body.platform;
      // One foreign pool alone: its platform is the model's.
      if (pools.length === 1) platform = body.platform;
    }
    if (Array.isArray(body.versions)) properties[`${e.pool.name}.versions`] = body.versions.map(String).join(',');
    properties[`${e.pool.name}.kind`] = e.adapter.kind;
  }
  return modelMetadata(manifest, platform, properties);
}
