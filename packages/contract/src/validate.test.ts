import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { isSplitflowError } from './errors/splitflow-error.js';
import { JSON_SCHEMAS, schemaToJson } from './json-schemas.js';
import { catalogFixture, deviceFixture, manifestFixture, policyFixture, poolFixture } from './test/fixtures.js';
import {
  check,
  formatPath,
  parseCatalogJson,
  validateCatalog,
  validateDeviceProfile,
  validateInferenceRequest,
  validateManifest,
  validatePolicy,
  validatePoolConfig,
} from './validate.js';

/** Runs `fn`, expecting a SplitflowError of `code`; returns its message. */
function messageOf(fn: () => unknown, code = 'INVALID_DOCUMENT'): string {
  try {
    fn();
  } catch (error) {
    expect(isSplitflowError(error, code as never)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('formatPath', () => {
  it('turns JSON pointers into readable paths', () => {
    expect(formatPath('/inputs/0/shape/1')).toBe('inputs[0].shape[1]');
    expect(formatPath('')).toBe('(root)');
    expect(formatPath('/dimBounds/my-dim/min')).toBe('dimBounds["my-dim"].min');
  });
});

describe('ModelManifest', () => {
  it('accepts a valid manifest', () => {
    expect(validateManifest(manifestFixture()).id).toBe('tiny');
  });

  it('names the path and the rule of a bad dim', () => {
    const m = manifestFixture() as unknown as { inputs: { shape: unknown[] }[] };
    (m.inputs[0] as { shape: unknown[] }).shape[1] = 0;
    expect(messageOf(() => validateManifest(m))).toContain('inputs[0].shape[1]: expected integer >= 1 or a dim name');
  });

  it.each([
    ['missing id', (m: Record<string, unknown>) => delete m.id, 'id: required property is missing'],
    ['bad sha', (m: Record<string, unknown>) => ((m.files as { sha256: string }[])[0]!.sha256 = 'XYZ'), 'files[0].sha256: expected 64 lower-case hex digits'],
    [
      'unknown datatype',
      (m: Record<string, unknown>) => ((m.inputs as { datatype: string }[])[0]!.datatype = 'FLOAT'),
      'inputs[0].datatype: expected one of BOOL',
    ],
    ['bad format', (m: Record<string, unknown>) => (m.format = 'pt'), 'format: expected "onnx" or "tfjs"'],
    ['extra property', (m: Record<string, unknown>) => (m.colour = 'red'), 'colour: unexpected property'],
    [
      'negative cost',
      (m: Record<string, unknown>) => ((m.cost as { flops: { coefficient: number }[] }).flops[0]!.coefficient = -1),
      'cost.flops[0].coefficient: expected a number >= 0',
    ],
    ['empty outputs', (m: Record<string, unknown>) => (m.outputs = []), 'outputs: expected at least 1 item(s)'],
    [
      'absolute file path',
      (m: Record<string, unknown>) => ((m.files as { path: string }[])[0]!.path = '/etc/passwd'),
      'files[0].path: expected a relative path',
    ],
  ])('rejects %s', (_name, mutate, expected) => {
    const m = manifestFixture() as unknown as Record<string, unknown>;
    mutate(m);
    expect(messageOf(() => validateManifest(m))).toContain(expected);
  });

  it('rejects cost terms over dims no input has', () => {
    const m = manifestFixture();
    m.cost.flops.push({ coefficient: 1, dims: { seq: 2 } });
    expect(messageOf(() => validateManifest(m))).toContain('cost.flops: dim "seq" is not a symbolic dim of any input');
  });

  it('rejects duplicate input names and inverted bounds', () => {
    const m = manifestFixture();
    m.inputs.push({ ...m.inputs[0]! });
    m.dimBounds = { batch: { min: 8, max: 2 } };
    const message = messageOf(() => validateManifest(m));
    expect(message).toContain('inputs[1]: duplicate name "features"');
    expect(message).toContain('dimBounds.batch: expected min <= max');
  });

  it('reports every issue in details, not only the first', () => {
    const issues = check(JSON_SCHEMAS['model-manifest']!, { ...manifestFixture(), id: 'Bad Id', version: 'x' });
    expect(issues.map((i) => i.path).sort()).toEqual(['id', 'version']);
  });
});

describe('ModelCatalog', () => {
  it('accepts a valid catalog', () => {
    expect(validateCatalog(catalogFixture()).models).toHaveLength(2);
  });
  it('rejects a cut whose tail model is missing or is the tail of another cut', () => {
    const c = catalogFixture();
    c.models.pop();
    expect(messageOf(() => validateCatalog(c))).toContain(
      'models[0].cutPoints[0].encodings[0].tail: no model "tiny.hidden" in the catalog that is the fp32 tail of tiny at hidden',
    );
    const d = catalogFixture();
    Object.assign(d.models[1] ?? {}, { tailOf: { model: 'tiny', cut: 'other', encoding: 'fp32' } });
    expect(messageOf(() => validateCatalog(d))).toContain('models[0].cutPoints[0].encodings[0].tail');
  });
  it('rejects a cut without an allowed fp32 tail', () => {
    const m = manifestFixture();
    const cut = m.cutPoints?.[0];
    if (!cut) throw new Error('fixture has a cut');
    cut.encodings = [{ encoding: 'fp16', allowed: false, top1Agreement: 0.5, maxAbsError: 1, outputScale: 3, samples: 2 }];
    expect(messageOf(() => validateManifest(m))).toContain('cutPoints[0].encodings: expected an allowed fp32 encoding');
  });
  it('rejects duplicate ids and policies for unknown models', () => {
    const c = catalogFixture();
    c.models.push(manifestFixture());
    c.policy = { models: { nope: { mode: 'cloud-only' } } };
    const message = messageOf(() => validateCatalog(c));
    expect(message).toContain('models[2].id: duplicate model id "tiny"');
    expect(message).toContain('policy.models.nope: no model "nope" in the catalog');
  });
  it('rejects bad thresholds with their path', () => {
    const c = catalogFixture() as unknown as { thresholds: Record<string, unknown> };
    c.thresholds.mode = 'fastest';
    expect(messageOf(() => validateCatalog(c))).toContain('thresholds.mode: expected one of auto, prefer-local, prefer-cloud, local-only, cloud-only');
  });
});

describe('RoutingPolicy', () => {
  it('accepts a valid policy and an empty one', () => {
    expect(validatePolicy(policyFixture()).mode).toBe('auto');
    expect(validatePolicy({})).toEqual({});
  });
  it('rejects a bad privacy value and a non-positive budget', () => {
    const message = messageOf(() => validatePolicy({ latencyBudgetMs: 0, models: { tiny: { privacy: 'public' } } }));
    expect(message).toContain('latencyBudgetMs: expected a number > 0');
    expect(message).toContain('models.tiny.privacy: expected "any", "local-only" or "no-raw-input"');
  });
});

describe('DeviceProfile', () => {
  it('accepts a full profile and one where everything is unknown', () => {
    expect(validateDeviceProfile(deviceFixture()).gflops).toBe(12.5);
    const unknown = {
      probedAt: 0,
      webgpu: { available: false, reason: 'navigator.gpu is absent' },
      wasm: { available: false, simd: 'unknown', threads: 'unknown' },
      crossOriginIsolated: 'unknown',
      hardwareConcurrency: 'unknown',
      deviceMemoryGb: 'unknown',
      network: { online: 'unknown', effectiveType: 'unknown', rttMs: 'unknown', downlinkMbps: 'unknown', saveData: 'unknown' },
      gflops: 'unknown',
      probeMs: 0,
    };
    expect(validateDeviceProfile(unknown).gflops).toBe('unknown');
  });
  it('rejects a negative RTT and zero cores', () => {
    const d = deviceFixture() as unknown as { network: { rttMs: number }; hardwareConcurrency: number };
    d.network.rttMs = -5;
    d.hardwareConcurrency = 0;
    const message = messageOf(() => validateDeviceProfile(d));
    expect(message).toContain('network.rttMs');
    expect(message).toContain('hardwareConcurrency');
  });
});

describe('PoolConfig', () => {
  it('accepts a valid pool', () => {
    expect(validatePoolConfig(poolFixture()).hardware).toBe('gpu');
  });
  it.each([
    [{ hardware: 'fpga' }, 'hardware: expected one of gpu, tpu, cpu'],
    [{ protocol: 'grpc' }, 'protocol: expected "oip-v2"'],
    [{ endpoints: [{ url: 'ftp://x' }] }, 'endpoints[0].url: expected an http(s) URL'],
    [{ maxConcurrency: 0 }, 'maxConcurrency: expected integer >= 1'],
  ])('rejects %o', (patch, expected) => {
    expect(messageOf(() => validatePoolConfig({ ...poolFixture(), ...patch }))).toContain(expected);
  });
});

describe('InferenceRequest', () => {
  it('accepts the spec examples and rejects a request without inputs as INVALID_REQUEST', () => {
    const example = { id: '42', inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] }], outputs: [{ name: 'output0' }] };
    expect(validateInferenceRequest(example).id).toBe('42');
    expect(messageOf(() => validateInferenceRequest({ id: '1' }), 'INVALID_REQUEST')).toContain('inputs: required property is missing');
    expect(messageOf(() => validateInferenceRequest({ inputs: [{ name: 'x', shape: [-1], datatype: 'FP32', data: [] }] }), 'INVALID_REQUEST')).toContain(
      'inputs[0].shape[0]: expected integer >= 0',
    );
  });
});

describe('committed JSON Schemas', () => {
  // They are the contract for other languages: current with the TypeBox sources, and standard.
  // Another language's validator (Ajv, draft 2020-12) must agree with ours on the fixtures.
  const cases: [string, unknown, unknown][] = [
    ['model-manifest', manifestFixture(), { ...manifestFixture(), format: 'pt' }],
    ['model-catalog', catalogFixture(), { ...catalogFixture(), catalogVersion: 0 }],
    ['routing-policy', policyFixture(), { mode: 'fast' }],
    ['device-profile', deviceFixture(), { ...deviceFixture(), gflops: -1 }],
    ['pool-config', poolFixture(), { ...poolFixture(), endpoints: [] }],
  ];
  it.each(cases)('%s: Ajv accepts the valid fixture and rejects the invalid one', (name, valid, invalid) => {
    const committed = readFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), 'utf8');
    expect(committed, 'run: npx tsx packages/contract/scripts/emit-schemas.ts').toBe(schemaToJson(name, JSON_SCHEMAS[name]!));
    const validateWithAjv = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(committed));
    expect(validateWithAjv(valid)).toBe(true);
    expect(validateWithAjv(invalid)).toBe(false);
  });
});

describe('parseCatalogJson', () => {
  it('parses and validates, naming the source on bad JSON or a bad document', () => {
    expect(parseCatalogJson(JSON.stringify(catalogFixture()), 'models/catalog.json').models[0]?.id).toBe('tiny');
    expect(messageOf(() => parseCatalogJson('{"catalogVersion": ', 'models/catalog.json'))).toContain('the model catalog models/catalog.json is not JSON');
    expect(messageOf(() => parseCatalogJson('{}', 'x.json'))).toContain('catalogVersion: required property is missing');
  });
});
