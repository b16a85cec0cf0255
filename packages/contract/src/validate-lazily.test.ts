import { describe, expect, it } from 'vitest';
import { catalogFixture, policyFixture } from './test/fixtures.js';
import { validateCatalog, validatePolicy } from './validate.js';
import { validateCatalogLazily, validatePolicyLazily } from './validate-lazily.js';

/** The error `fn` throws or rejects with, as code, message and issues. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    const e = error as { code: string; message: string; details: unknown };
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('expected a failure');
}

describe('validateCatalogLazily and validatePolicyLazily', () => {
  it('accept what the schema validators accept, unchanged', async () => {
    const catalog = catalogFixture();
    expect(await validateCatalogLazily(catalog)).toBe(catalog);
    expect(await validatePolicyLazily(policyFixture())).toEqual(validatePolicy(policyFixture()));
  });

  it.each([
    ['a structural error', { ...catalogFixture(), catalogVersion: 0 }],
    ['a missing field deep inside', { ...catalogFixture(), models: [{ ...catalogFixture().models[0], files: [{ path: 'm.onnx' }] }] }],
    ['a rule past the schema (duplicate ids)', { ...catalogFixture(), models: [catalogFixture().models[0], catalogFixture().models[0]] }],
  ])('refuse a catalog with %s with the schema validator’s very error', async (_what, bad) => {
    const expected = await failure(() => validateCatalog(bad));
    expect(expected).toMatchObject({ code: 'INVALID_DOCUMENT' });
    expect(await failure(() => validateCatalogLazily(bad))).toEqual(expected);
  });

  it('refuse a bad policy with the schema validator’s very error', async () => {
    const bad = { mode: 'fast', models: { tiny: { latencyBudgetMs: -1 } } };
    const expected = await failure(() => validatePolicy(bad));
    expect(await failure(() => validatePolicyLazily(bad))).toEqual(expected);
  });
});
