import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { precompiledChecksSource } from '../precompile-checks.js';
import { ModelCatalog } from '../schema/catalog.js';
import { DeviceProfile } from '../schema/device.js';
import { InferenceRequest, InferenceResponse } from '../schema/oip.js';
import { RoutingPolicy } from '../schema/policy.js';
import { catalogFixture, deviceFixture, policyFixture, tailFixture } from '../test/fixtures.js';
import { isDeviceProfile, isInferenceRequest, isInferenceResponse, isModelCatalog, isRoutingPolicy } from './checks.js';

/** Every way of breaking `value` one field at a time: each leaf replaced by a wrong-typed value, each key dropped, one extra key. */
function mutations(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return [
      'x',
      ...value.flatMap((item, i) => mutations(item).map((m) => value.map((v, j) => (j === i ? m : v)))),
      ...(value.length > 0 ? [value.slice(1)] : []),
    ];
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return [
      [],
      { ...value, unexpected: 1 },
      ...entries.flatMap(([k, v]) => [Object.fromEntries(entries.filter(([key]) => key !== k)), ...mutations(v).map((m) => ({ ...value, [k]: m }))]),
    ];
  }
  return typeof value === 'number' ? ['1', -1, 0, 0.5, Number.NaN] : typeof value === 'string' ? [1, '', 'Bad Id', 'x'.repeat(70)] : [null, 'true'];
}

const request = { id: 'r', parameters: { a: 1 }, inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }], outputs: [{ name: 'y' }] };
const response = {
  model_name: 'm',
  model_version: '1',
  outputs: [{ name: 'y', shape: [2], datatype: 'FP32', data: [1, 2], parameters: { binary_data_size: 8 } }],
};
const catalog = { ...catalogFixture(), models: [...catalogFixture().models, tailFixture()] };

describe('precompiled checks', () => {
  it('are current with the TypeBox schemas', () => {
    const committed = readFileSync(new URL('./checks.ts', import.meta.url), 'utf8');
    expect(committed, 'run: npx tsx packages/contract/scripts/emit-schemas.ts').toBe(precompiledChecksSource());
  });

  const cases: [string, (value: unknown) => boolean, TSchema, unknown][] = [
    ['ModelCatalog', isModelCatalog, ModelCatalog, catalog],
    ['RoutingPolicy', isRoutingPolicy, RoutingPolicy, policyFixture()],
    ['DeviceProfile', isDeviceProfile, DeviceProfile, deviceFixture()],
    ['InferenceRequest', isInferenceRequest, InferenceRequest, request],
    ['InferenceResponse', isInferenceResponse, InferenceResponse, response],
  ];
  it.each(cases)('%s: agrees with TypeBox on the fixture and on every one-field break of it', (_name, precompiled, schema, valid) => {
    expect(precompiled(valid)).toBe(true);
    const broken = mutations(valid);
    let rejected = 0;
    for (const value of broken) {
      const expected = Value.Check(schema, value);
      expect(precompiled(value), JSON.stringify(value).slice(0, 200)).toBe(expected);
      if (!expected) rejected++;
    }
    // The comparison means something only if many of the breaks are invalid.
    expect(rejected).toBeGreaterThan(broken.length / 4);
  });
});
