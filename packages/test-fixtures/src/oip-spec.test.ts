import { describe, expect, it } from 'vitest';
import { oipIssues } from './oip-spec.js';

// The validator the worker tests lean on must itself reject what the spec rejects.
describe('OIP spec validator', () => {
  const output = { name: 'y', datatype: 'FP32', shape: [1], data: [1.5] };

  it('accepts a spec-conforming response and rejects broken ones', () => {
    expect(oipIssues('inference_response', { model_name: 'm', outputs: [output] })).toEqual([]);
    expect(oipIssues('inference_response', { outputs: [output] })).not.toEqual([]);
    expect(oipIssues('inference_response', { model_name: 'm', outputs: [{ ...output, data: [null] }] })).not.toEqual([]);
    expect(oipIssues('inference_response', { model_name: 'm', outputs: [{ ...output, shape: [1.5] }] })).not.toEqual([]);
    expect(oipIssues('metadata_server_response', { name: 'w', version: '1' })).not.toEqual([]);
    expect(oipIssues('inference_error_response', { error: 3 })).not.toEqual([]);
  });

  it('lets a binary output omit data only in binary mode, and only with binary_data_size', () => {
    const binary = { name: 'y', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } };
    expect(oipIssues('inference_response', { model_name: 'm', outputs: [binary] })).not.toEqual([]);
    expect(oipIssues('inference_response', { model_name: 'm', outputs: [binary, output] }, true)).toEqual([]);
    expect(oipIssues('inference_response', { model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [1] }] }, true)).not.toEqual([]);
  });
});
