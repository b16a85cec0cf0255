import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { describe, expect, it } from 'vitest';
import { loadModelSources } from './load-catalog.js';

const ids = async (config: Parameters<typeof loadModelSources>[0]) => (await loadModelSources(config)).map((s) => s.manifest.id);

describe('which catalog models a worker serves', () => {
  it('serves no tail of a cut by default, and every tail of the models named in `tails`', async () => {
    const plain = await ids({ catalog: CATALOG_PATH });
    expect(plain).toContain('vision-s');
    expect(plain.filter((id) => id.startsWith('vision-s.'))).toEqual([]);
    const withTails = await ids({ catalog: CATALOG_PATH, tails: ['vision-s'] });
    expect(withTails.filter((id) => id.startsWith('vision-s.'))).toContain('vision-s.maxpool.uint8');
    expect(withTails.filter((id) => id.startsWith('ocr-cls.'))).toEqual([]);
  });

  it('adds the asked-for tails to an explicit model list, and refuses tails of an unknown model', async () => {
    expect(await ids({ catalog: CATALOG_PATH, models: ['tiny'], tails: ['tiny'] })).toEqual([
      'tiny',
      'tiny.fc1-gemm',
      'tiny.fc1-gemm.fp16',
      'tiny.fc1-gemm.uint8',
    ]);
    expect(await ids({ catalog: CATALOG_PATH, models: ['tiny.fc1-gemm'] })).toEqual(['tiny.fc1-gemm']);
    await expect(loadModelSources({ catalog: CATALOG_PATH, tails: ['nope'] })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT' });
  });
});
