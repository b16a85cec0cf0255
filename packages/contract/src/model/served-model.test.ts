import { describe, expect, it } from 'vitest';
import { isSplitflowError, type SplitflowError } from '../errors/splitflow-error.js';
import { manifestFixture } from '../test/fixtures.js';
import { lookupServedModel, modelMetadata } from './served-model.js';

const tiny = manifestFixture();
const served = new Map([[tiny.id, { manifest: tiny, state: 'ready' }]]);
const lookup = (name: string, version?: string) =>
  lookupServedModel(
    name,
    version,
    served.get(name),
    (m) => m.manifest,
    () => served.keys(),
  );

const refusal = (f: () => unknown): SplitflowError => {
  try {
    f();
  } catch (error) {
    if (isSplitflowError(error)) return error;
    throw error;
  }
  throw new Error('expected a SplitflowError');
};

describe('lookupServedModel (the broker and the worker find a requested model with this)', () => {
  it('returns what the index holds, with or without the version it serves', () => {
    expect(lookup('tiny')).toBe(served.get('tiny'));
    expect(lookup('tiny', '1.0.0')).toBe(served.get('tiny'));
  });

  it('refuses an unknown name with MODEL_NOT_FOUND listing what is served', () => {
    const error = refusal(() => lookup('large'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toBe('no model "large" is served here; models: tiny');
    expect(error.details).toEqual({ model: 'large' });
    expect(
      refusal(() =>
        lookupServedModel(
          'x',
          undefined,
          undefined,
          () => tiny,
          () => [],
        ),
      ).message,
    ).toMatch(/models: \(none\)$/);
  });

  it('refuses another version of a served model with MODEL_NOT_FOUND naming the served one', () => {
    const error = refusal(() => lookup('tiny', '2'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toBe('model "tiny" has no version "2"; it serves version 1.0.0');
    expect(error.details).toEqual({ model: 'tiny', version: '2' });
  });
});

describe('modelMetadata', () => {
  it("writes the manifest's names, version and tensors, a named dim as -1, beside the server's platform and properties", () => {
    expect(modelMetadata(tiny, 'onnxruntime_onnx', { task: 'classification' })).toEqual({
      name: 'tiny',
      versions: ['1.0.0'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 64] }],
      outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 16] }],
      properties: { task: 'classification' },
    });
  });
});
