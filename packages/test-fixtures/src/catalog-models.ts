import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelCatalog } from '@splitflow/contract';
import { readCatalogFile } from '@splitflow/server-kit';

// Test support: the project's model catalog (`npm run models` builds models/build/ beside it).

export const CATALOG_PATH = fileURLToPath(new URL('../../../models/catalog.json', import.meta.url));
const BUILD_DIR = join(dirname(CATALOG_PATH), 'build');

export function readCatalog(): Promise<ModelCatalog> {
  return readCatalogFile(CATALOG_PATH);
}

/**
 * Copies some catalog models (manifests and built files) into a fresh temp dir laid out as the
 * project's (catalog.json beside build/), so a test may corrupt the files.
 */
export async function copyCatalogModels(ids: string[]): Promise<{ dir: string; catalogPath: string }> {
  const catalog = await readCatalog();
  const dir = await mkdtemp(join(tmpdir(), 'splitflow-catalog-'));
  const models = ids.map((id) => {
    const manifest = catalog.models.find((m) => m.id === id);
    if (!manifest) throw new Error(`no model ${id} in ${CATALOG_PATH}`);
    return manifest;
  });
  for (const manifest of models) {
    for (const file of manifest.files) {
      const target = join(dir, 'build', file.path);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(BUILD_DIR, file.path), target);
    }
  }
  const catalogPath = join(dir, 'catalog.json');
  // Cut points name tail models that are not copied: a catalog of these models alone has none.
  const alone = models.map(({ cutPoints: _, ...manifest }) => manifest);
  await writeFile(catalogPath, JSON.stringify({ ...catalog, policy: undefined, models: alone }, null, 2));
  return { dir, catalogPath };
}
