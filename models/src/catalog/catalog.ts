import { DEFAULT_THRESHOLDS, type ModelCatalog, type ModelManifest, validateCatalog } from '@splitflow/contract';
import type { BuildContext, CatalogEntry } from './entry.js';

/** Bump when any manifest changes meaning (caches key on it); file hashes change with the bytes anyway. */
export const CATALOG_VERSION = 1;

export interface BuildOptions {
  outDir: string;
  /** Write the files of on-demand models too (otherwise they are hashed, not written). */
  onDemand: boolean;
  log?: (line: string) => void;
  previous?: readonly ModelManifest[];
}

/** Builds every entry in order and returns the validated catalog. */
export async function buildCatalog(entries: readonly CatalogEntry[], options: BuildOptions): Promise<ModelCatalog> {
  const models: ModelManifest[] = [];
  for (const entry of entries) {
    const started = performance.now();
    const ctx: BuildContext = { outDir: options.outDir, write: !entry.onDemand || options.onDemand, log: options.log, previous: options.previous };
    models.push(...[await entry.build(ctx)].flat());
    options.log?.(`${entry.id.padEnd(16)} ${ctx.write ? 'built ' : 'hashed'} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  }
  return validateCatalog({ catalogVersion: CATALOG_VERSION, thresholds: { ...DEFAULT_THRESHOLDS }, models });
}

/** The catalog as committed: two-space JSON with a final newline, so diffs stay readable. */
export const catalogJson = (catalog: ModelCatalog): string => `${JSON.stringify(catalog, null, 2)}\n`;
