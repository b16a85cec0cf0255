import { readFile } from 'node:fs/promises';
import { type ModelCatalog, parseCatalogJson, SplitflowError } from '@splitflow/contract';

/**
 * Reads and validates the model catalog at `path` (the worker and the broker start from it alike):
 * a missing or unreadable file, bad JSON and an invalid catalog are INVALID_DOCUMENT naming the file.
 */
export async function readCatalogFile(path: string): Promise<ModelCatalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SplitflowError('INVALID_DOCUMENT', {
      message: `cannot read the model catalog ${path}: ${(error as Error).message} (in this repository \`npm run models\` writes it)`,
      cause: error,
    });
  }
  return parseCatalogJson(text, path);
}
