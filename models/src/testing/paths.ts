import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModelCatalog, validateCatalog } from '@splitflow/contract';

/** The models/ folder, where build.ts, catalog.json and build/ live. */
export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILD_DIR = join(MODELS_DIR, 'build');
export const CATALOG_PATH = join(MODELS_DIR, 'catalog.json');

export const loadCatalog = (): ModelCatalog => validateCatalog(JSON.parse(readFileSync(CATALOG_PATH, 'utf8')));

/** Bytes of a built model file; a clear message when `npm run models` has not run. */
export function readBuilt(path: string): Uint8Array {
  try {
    return readFileSync(join(BUILD_DIR, path));
  } catch {
    throw new Error(`models/build/${path} is missing: run \`npm run models\` before the tests`);
  }
}
