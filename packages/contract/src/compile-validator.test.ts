import { describe, expect, it } from 'vitest';
import { compileValidator } from './compile-validator.js';
import { isSplitflowError } from './errors/splitflow-error.js';
import { InferenceRequest } from './schema/oip.js';
import { validate } from './validate.js';

const check = compileValidator(InferenceRequest, 'inference request', 'INVALID_REQUEST');
const good = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }], parameters: { 'splitflow.priority': 'batch' } };

const failureOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    if (isSplitflowError(error)) return error.toJSON();
    throw error;
  }
  throw new Error('expected a failure');
};

describe('compileValidator', () => {
  it('returns a valid document as it is', () => {
    expect(check(good)).toBe(good);
  });

  it.each([
    ['no inputs', {}],
    ['a shape of strings', { inputs: [{ name: 'x', datatype: 'FP32', shape: ['a'], data: [] }] }],
    ['not an object', 42],
    ['a name that is a number', { inputs: [{ name: 5, datatype: 'FP32', shape: [1], data: [1] }] }],
  ])('refuses %s with the same error as validate', (_name, doc) => {
    const compiled = failureOf(() => check(doc));
    expect(compiled.code).toBe('INVALID_REQUEST');
    expect(compiled).toEqual(failureOf(() => validate(InferenceRequest, doc, 'inference request', 'INVALID_REQUEST')));
  });
});
