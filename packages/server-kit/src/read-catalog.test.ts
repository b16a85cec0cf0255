import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSplitflowError } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { describe, expect, it } from 'vitest';
import { readCatalogFile } from './read-catalog.js';

const codeAndMessage = async (path: string) => {
  try {
    await readCatalogFile(path);
  } catch (error) {
    if (isSplitflowError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'read';
};

describe('readCatalogFile (the worker and the broker start from it)', () => {
  it('reads a valid catalog, and refuses a missing file and bad JSON as INVALID_DOCUMENT naming the file, an invalid catalog naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'server-kit-catalog-'));
    const project = JSON.parse(await readFile(CATALOG_PATH, 'utf8')) as { models: { id: string }[] };
    expect((await readCatalogFile(CATALOG_PATH)).models.map((m) => m.id)).toEqual(project.models.map((m) => m.id));

    expect(await codeAndMessage(join(dir, 'none.json'))).toMatch(/^INVALID_DOCUMENT: cannot read the model catalog .*none\.json: .*ENOENT/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"models": [');
    expect(await codeAndMessage(bad)).toMatch(/^INVALID_DOCUMENT: .*bad\.json/);
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ ...project, models: [{ id: 'x' }] }));
    expect(await codeAndMessage(invalid)).toMatch(/^INVALID_DOCUMENT: invalid model catalog: models\[0\]\.version: required/);
  });
});
