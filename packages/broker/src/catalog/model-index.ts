import { type BrokerConfig, type ModelCatalog, type ModelManifest, SplitflowError, type ValidationIssue } from '@splitflow/contract';

/** The models the broker serves: those of the catalog that some pool names. A pool naming an unknown model is a config error. */
export function indexModels(catalog: ModelCatalog, config: BrokerConfig): Map<string, ModelManifest> {
  const byId = new Map(catalog.models.map((m) => [m.id, m]));
  const served = new Map<string, ModelManifest>();
  const issues: ValidationIssue[] = [];
  config.pools.forEach((pool, i) => {
    pool.models.forEach((id, j) => {
      const manifest = byId.get(id);
      if (manifest) served.set(id, manifest);
      else issues.push({ path: `pools[${i}].models[${j}]`, message: `no model "${id}" in the catalog (it has ${[...byId.keys()].join(', ') || 'none'})` });
    });
  });
  if (issues.length > 0) {
    throw new SplitflowError('INVALID_DOCUMENT', {
      message: `invalid broker config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }
  return served;
}
