import type { Static, TSchema } from '@sinclair/typebox';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { ErrorCode } from './errors/codes.js';
import { SplitflowError } from './errors/splitflow-error.js';
import { ModelCatalog } from './schema/catalog.js';
import { DeviceProfile } from './schema/device.js';
import { ModelManifest } from './schema/manifest.js';
import { InferenceRequest } from './schema/oip.js';
import { RoutingPolicy } from './schema/policy.js';
import { PoolConfig } from './schema/pool.js';
import { checkCatalogSemantics, checkManifestSemantics, checkPoolSemantics, throwIssues, type ValidationIssue } from './semantics.js';

export type { ValidationIssue } from './semantics.js';

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

/**
 * Validates `value` against `schema` and returns it typed, or throws SplitflowError with every issue
 * (`details.issues`) and the first few in the message.
 */
export function validate<T extends TSchema>(schema: T, value: unknown, what = 'document', code: ErrorCode = 'INVALID_DOCUMENT'): Static<T> {
  // Value.Check answers valid documents (the hot path: every inference request) many times faster than
  // walking Value.Errors; the issues are collected only for a document that fails.
  if (Value.Check(schema, value)) return value as Static<T>;
  const issues = check(schema, value);
  if (issues.length > 0) throwIssues(what, issues, code);
  return value as Static<T>;
}

export function validateManifest(value: unknown): ModelManifest {
  const manifest = validate(ModelManifest, value, 'model manifest');
  const issues = checkManifestSemantics(manifest);
  if (issues.length > 0) throwIssues(`model manifest "${manifest.id}"`, issues, 'INVALID_DOCUMENT');
  return manifest;
}

export function validateCatalog(value: unknown): ModelCatalog {
  const catalog = validate(ModelCatalog, value, 'model catalog');
  const issues = checkCatalogSemantics(catalog);
  if (issues.length > 0) throwIssues('model catalog', issues, 'INVALID_DOCUMENT');
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
export function validatePoolConfig(value: unknown): PoolConfig {
  const pool = validate(PoolConfig, value, 'pool config');
  const issues = checkPoolSemantics(pool);
  if (issues.length > 0) throwIssues('pool config', issues, 'INVALID_DOCUMENT');
  return pool;
}
export const validateInferenceRequest = (value: unknown): InferenceRequest => validate(InferenceRequest, value, 'inference request', 'INVALID_REQUEST');
