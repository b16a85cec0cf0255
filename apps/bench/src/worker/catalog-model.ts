import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type ModelManifest, validateCatalog } from '@splitflow/contract';

export interface CatalogModel {
  manifest: ModelManifest;
  path: string;
}

/** A model of the catalog and its built file (as the worker finds it: build/ beside the catalog). */
export function catalogModel(catalogPath: string, id: string): CatalogModel {
  const path = resolve(catalogPath);
  if (!existsSync(path)) throw new Error(`no catalog at ${path}: run \`npm run models\` first`);
  const catalog = validateCatalog(JSON.parse(readFileSync(path, 'utf8')));
  const manifest = catalog.models.find((m) => m.id === id);
  if (!manifest) throw new Error(`model "${id}" is not in ${path}; it has ${catalog.models.map((m) => m.id).join(', ')}`);
  const file = manifest.files.find((f) => f.role === 'model') ?? manifest.files[0];
  const build = join(dirname(path), 'build');
  const dir = existsSync(build) ? build : dirname(path);
  const modelPath = join(dir, file?.path ?? '');
  if (!existsSync(modelPath)) throw new Error(`model "${id}" is not built (${modelPath} is missing): run \`npm run models\``);
  return { manifest, path: modelPath };
}
