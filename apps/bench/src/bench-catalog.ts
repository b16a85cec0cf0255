import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ModelCatalog } from '@splitflow/contract';
import { buildCatalog, catalogJson } from '../../../models/src/catalog/catalog.js';
import { generatedEntries } from '../../../models/src/generated/entries.js';

export interface BenchCatalog {
  catalogPath: string;
  /** Where the models' files are: `build/` beside the catalog. */
  modelDir: string;
  catalog: ModelCatalog;
}

/**
 * The catalog a bench serves: the file `--catalog` names (its models in `build/` beside it), or, where
 * none is given (a lent machine with no network), `models` written into a fresh temporary folder by the
 * catalog's own generator, the same as `npm run models`.
 */
export async function openBenchCatalog(options: {
  catalog?: string;
  models: readonly string[];
  tmpPrefix: string;
  log?: (line: string) => void;
}): Promise<BenchCatalog> {
  if (options.catalog) {
    const catalogPath = resolve(options.catalog);
    return { catalogPath, modelDir: join(dirname(catalogPath), 'build'), catalog: JSON.parse(readFileSync(catalogPath, 'utf8')) as ModelCatalog };
  }
  const dir = mkdtempSync(join(tmpdir(), options.tmpPrefix));
  const modelDir = join(dir, 'build');
  const started = performance.now();
  const catalog = await buildCatalog(
    generatedEntries().filter((e) => options.models.includes(e.id)),
    { outDir: modelDir, onDemand: true, log: () => {} },
  );
  const catalogPath = join(dir, 'catalog.json');
  writeFileSync(catalogPath, catalogJson(catalog));
  options.log?.(`generated ${catalog.models.map((m) => m.id).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { catalogPath, modelDir, catalog };
}
