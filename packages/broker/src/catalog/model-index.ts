import { readFile } from 'node:fs/promises';
import { type BrokerConfig, type ModelCatalog, type ModelManifest, parseCatalogJson, SplitflowError, type ValidationIssue } from '@splitflow/contract';

export async function readCatalog(path: string): Promise<ModelCatalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `cannot read the model catalog ${path}: ${(error as Error).message} (run \`npm run models\`)` });
  }
  return parseCatalogJson(text, path);
}

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
