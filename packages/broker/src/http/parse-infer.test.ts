import { BINARY_HEADER, encodeInferRequest, type ModelManifest, tensorToBytes } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { parseInfer } from './parse-infer.js';
import { bodyOf } from './request-body.js';

const tiny: ModelManifest = {
  id: 'tiny',
  version: '1',
  task: 'classification',
  format: 'onnx',
  files: [{ path: 'tiny/model.onnx', bytes: 1, sha256: 'a'.repeat(64), role: 'model' }],
  inputs: [{ name: 'features', datatype: 'FP32', shape: ['batch', 64] }],
  outputs: [{ name: 'logits', datatype: 'FP32', shape: ['batch', 16] }],
  batchDim: 'batch',
  cost: { flops: [{ coefficient: 51_200, dims: { batch: 1 } }], parameterBytes: 100_000, activationBytes: [] },
};

describe('parseInfer', () => {
  it("expects the answer's bytes from the model's outputs at the request's batch, not from the request's size", () => {
    for (const [rows, binary] of [
      [1, false],
      [5, true],
    ] as const) {
      const encoded = encodeInferRequest({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 64], data: new Float32Array(rows * 64) }], binary });
      const body = bodyOf(Buffer.from(encoded.body as Uint8Array | string));
      const parsed = parseInfer(tiny, body, encoded.headers[BINARY_HEADER], 1000);
      const answer = tensorToBytes({ datatype: 'FP32', shape: [rows, 16], data: new Float32Array(rows * 16) });
      expect(parsed.batch).toBe(rows);
      expect(parsed.responseBytes).toBe(answer.byteLength);
    }
  });
});
