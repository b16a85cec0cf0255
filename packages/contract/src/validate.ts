import type { Static, TSchema } from '@sinclair/typebox';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { ErrorCode } from './errors/codes.js';
import { SplitflowError } from './errors/splitflow-error.js';
import { ModelCatalog } from './schema/catalog.js';
import { DeviceProfile } from './schema/device.js';
import { type CostTerm, ModelManifest } from './schema/manifest.js';
import { InferenceRequest } from './schema/oip.js';
import { RoutingPolicy } from './schema/policy.js';
import { PoolConfig } from './schema/pool.js';

/** One reason a document failed validation: where (`inputs[0].shape[1]`) and which rule. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Turns a JSON pointer (`/inputs/0/shape/1`) into the path people read (`inputs[0].shape[1]`). */
export function formatPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(root)';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function describeRule(error: ValueError): string {
  const schema = error.schema as Record<string, unknown>;
  if (typeof schema.errorMessage === 'string' && error.type !== ValueErrorType.ObjectRequiredProperty) return schema.errorMessage;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'required property is missing';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unexpected property';
    case ValueErrorType.Integer:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.Number:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.NumberExclusiveMinimum: {
      const kind = schema.type === 'integer' ? 'integer' : 'number';
      const bounds: string[] = [];
      if (typeof schema.minimum === 'number') bounds.push(`>= ${schema.minimum}`);
      if (typeof schema.exclusiveMinimum === 'number') bounds.push(`> ${schema.exclusiveMinimum}`);
      if (typeof schema.maximum === 'number') bounds.push(`<= ${schema.maximum}`);
      return `expected ${kind}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
    }
    case ValueErrorType.ArrayMinItems:
      return `expected at least ${String(schema.minItems)} item(s)`;
    case ValueErrorType.StringMinLength:
      return `expected a string of at least ${String(schema.minLength)} character(s)`;
    case ValueErrorType.Literal:
      return `expected ${JSON.stringify(schema.const)}`;
    default:
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
  }
}

/** Every rule the value breaks, one issue per path (the first rule found there). */
export function check(schema: TSchema, value: unknown): ValidationIssue[] {
  const issues = new Map<string, ValidationIssue>();
  for (const error of Value.Errors(schema, value)) {
    const path = formatPath(error.path);
    if (!issues.has(path)) issues.set(path, { path, message: describeRule(error) });
  }
  return [...issues.values()];
}

function fail(what: string, issues: ValidationIssue[], code: ErrorCode): never {
  const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  throw new SplitflowError(code, {
    message: `invalid ${what}: ${shown.join('; ')}${more}`,
    details: { issues },
  });
}

/**
 * Validates `value` against `schema` and returns it typed, or throws SplitflowError with every issue
 * (`details.issues`) and the first few in the message.
 */
export function validate<T extends TSchema>(schema: T, value: unknown, what = 'document', code: ErrorCode = 'INVALID_DOCUMENT'): Static<T> {
  // Value.Check answers valid documents (the hot path: every inference request) many times faster than
  // walking Value.Errors; the issues are collected only for a document that fails.
  if (Value.Check(schema, value)) return value as Static<T>;
  const issues = check(schema, value);
  if (issues.length > 0) fail(what, issues, code);
  return value as Static<T>;
}

const termDims = (terms: readonly CostTerm[]) => terms.flatMap((t) => Object.keys(t.dims));

/** Rules JSON Schema cannot say: names unique, cost dims bound by some input, bounds ordered. */
export function checkManifestSemantics(manifest: ModelManifest): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const dimNames = new Set(manifest.inputs.flatMap((t) => t.shape.filter((d): d is string => typeof d === 'string')));
  const unique = (names: string[], where: string) => {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) issues.push({ path: `${where}[${i}]`, message: `duplicate name "${n}"` });
      seen.add(n);
    });
  };
  unique(
    manifest.inputs.map((t) => t.name),
    'inputs',
  );
  unique(
    manifest.outputs.map((t) => t.name),
    'outputs',
  );
  unique(
    manifest.files.map((f) => f.path),
    'files',
  );
  const costTerms: [string, readonly CostTerm[]][] = [
    ['cost.flops', manifest.cost.flops],
    ['cost.activationBytes', manifest.cost.activationBytes],
  ];
  manifest.cutPoints?.forEach((c, i) => {
    costTerms.push(
      [`cutPoints[${i}].flopsBefore`, c.flopsBefore],
      [`cutPoints[${i}].flopsAfter`, c.flopsAfter],
      [`cutPoints[${i}].activationBytes`, c.activationBytes],
    );
    if (!c.encodings.some((e) => e.encoding === 'fp32' && e.allowed && e.tail)) {
      issues.push({ path: `cutPoints[${i}].encodings`, message: 'expected an allowed fp32 encoding with its tail model' });
    }
    c.encodings.forEach((e, j) => {
      if (e.allowed !== (e.tail !== undefined))
        issues.push({ path: `cutPoints[${i}].encodings[${j}]`, message: 'a tail model is named exactly when the encoding is allowed' });
    });
  });
  unique(
    (manifest.cutPoints ?? []).map((c) => c.name),
    'cutPoints',
  );
  for (const [path, terms] of costTerms) {
    for (const dim of termDims(terms)) {
      if (!dimNames.has(dim)) issues.push({ path, message: `dim "${dim}" is not a symbolic dim of any input` });
    }
  }
  if (manifest.batchDim !== undefined && !dimNames.has(manifest.batchDim)) {
    issues.push({ path: 'batchDim', message: `dim "${manifest.batchDim}" is not a symbolic dim of any input` });
  }
  for (const [name, bounds] of Object.entries(manifest.dimBounds ?? {})) {
    if (bounds.min > bounds.max) issues.push({ path: `dimBounds.${name}`, message: 'expected min <= max' });
  }
  return issues;
}

export function validateManifest(value: unknown): ModelManifest {
  const manifest = validate(ModelManifest, value, 'model manifest');
  const issues = checkManifestSemantics(manifest);
  if (issues.length > 0) fail(`model manifest "${manifest.id}"`, issues, 'INVALID_DOCUMENT');
  return manifest;
}

export function validateCatalog(value: unknown): ModelCatalog {
  const catalog = validate(ModelCatalog, value, 'model catalog');
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  catalog.models.forEach((m, i) => {
    if (seen.has(m.id)) issues.push({ path: `models[${i}].id`, message: `duplicate model id "${m.id}"` });
    seen.add(m.id);
    for (const issue of checkManifestSemantics(m)) issues.push({ path: `models[${i}].${issue.path}`, message: issue.message });
  });
  catalog.models.forEach((m, i) => {
    m.cutPoints?.forEach((c, j) => {
      c.encodings.forEach((e, k) => {
        if (!e.tail) return;
        const tail = catalog.models.find((t) => t.id === e.tail);
        if (!tail || tail.tailOf?.model !== m.id || tail.tailOf.cut !== c.name || tail.tailOf.encoding !== e.encoding) {
          issues.push({
            path: `models[${i}].cutPoints[${j}].encodings[${k}].tail`,
            message: `no model "${e.tail}" in the catalog that is the ${e.encoding} tail of ${m.id} at ${c.name}`,
          });
        }
      });
    });
  });
  for (const id of Object.keys(catalog.policy?.models ?? {})) {
    if (!seen.has(id)) issues.push({ path: `policy.models.${id}`, message: `no model "${id}" in the catalog` });
  }
  if (issues.length > 0) fail('model catalog', issues, 'INVALID_DOCUMENT');
  return catalog;
}

/** Parses a catalog document's text and validates it; `source` names it in errors (a path or URL). */
export function parseCatalogJson(text: string, source: string): ModelCatalog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `the model catalog ${source} is not JSON: ${(error as Error).message}` });
  }
  return validateCatalog(json);
}

export const validatePolicy = (value: unknown): RoutingPolicy => validate(RoutingPolicy, value, 'routing policy');
export const validateDeviceProfile = (value: unknown): DeviceProfile => validate(DeviceProfile, value, 'device profile');
/** A pool lists endpoints, discovers them, or both; A records need a port. */
export function checkPoolSemantics(pool: PoolConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const dns = pool.discovery?.dns;
  if (pool.endpoints === undefined && dns === undefined && pool.discovery?.register !== true)
    issues.push({ path: 'endpoints', message: 'required unless discovery is set' });
  if (dns !== undefined && (dns.record ?? 'A') === 'A' && dns.port === undefined)
    issues.push({ path: 'discovery.dns.port', message: 'required for A records' });
  return issues;
}

export function validatePoolConfig(value: unknown): PoolConfig {
  const pool = validate(PoolConfig, value, 'pool config');
  const issues = checkPoolSemantics(pool);
  if (issues.length > 0) fail('pool config', issues, 'INVALID_DOCUMENT');
  return pool;
}
export const validateInferenceRequest = (value: unknown): InferenceRequest => validate(InferenceRequest, value, 'inference request', 'INVALID_REQUEST');
