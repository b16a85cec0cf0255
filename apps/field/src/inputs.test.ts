import type { ModelManifest } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { digest, imageTensor, inputKinds, mulberry32, randomInputs, textInputs } from './inputs.js';

const manifest = (inputs: ModelManifest['inputs'], dimBounds?: ModelManifest['dimBounds']): ModelManifest => ({
  id: 'm',
  version: '1',
  task: 't',
  format: 'onnx',
  files: [{ path: 'm.onnx', bytes: 1, sha256: '0'.repeat(64) }],
  inputs,
  outputs: [{ name: 'y', datatype: 'FP32', shape: ['batch', 2] }],
  cost: { flops: [{ coefficient: 1, dims: {} }], parameterBytes: 0, activationBytes: [] },
  ...(dimBounds ? { dimBounds } : {}),
});

describe('field app inputs', () => {
  it('makes reproducible random inputs with symbolic dims bound to defaults', () => {
    const m = manifest([{ name: 'x', datatype: 'FP32', shape: ['batch', 64] }]);
    const a = randomInputs(m, 7);
    expect(a[0]!.shape).toEqual([1, 64]);
    expect([...(a[0]!.data as Float32Array)]).toEqual([...(randomInputs(m, 7)[0]!.data as Float32Array)]);
    expect([...(a[0]!.data as Float32Array)]).not.toEqual([...(randomInputs(m, 8)[0]!.data as Float32Array)]);
    expect((a[0]!.data as Float32Array).every((v) => v >= -1 && v < 1)).toBe(true);
  });

  it('starts state inputs at zero and gives Silero its sample rate', () => {
    const m = manifest([
      { name: 'state', datatype: 'FP32', shape: [2, 1, 128] },
      { name: 'sr', datatype: 'INT64', shape: [] },
    ]);
    const [state, sr] = randomInputs(m);
    expect((state!.data as Float32Array).every((v) => v === 0)).toBe(true);
    expect([...(sr!.data as BigInt64Array)]).toEqual([16000n]);
  });

  it('offers the input kinds a model can take', () => {
    expect(inputKinds(manifest([{ name: 'x', datatype: 'FP32', shape: ['batch', 3, 224, 224] }]))).toEqual(['random', 'image']);
    expect(inputKinds(manifest([{ name: 'ids', datatype: 'INT64', shape: ['batch', 'seq'] }]))).toEqual(['random', 'text']);
  });

  it('turns text into token ids within the sequence bounds', () => {
    const m = manifest([{ name: 'ids', datatype: 'INT64', shape: ['batch', 'seq'] }], { seq: { min: 1, max: 4 } });
    const [ids] = textInputs(m, 'abcdef');
    expect(ids!.shape).toEqual([1, 4]);
    expect([...(ids!.data as BigInt64Array)]).toEqual([100n, 101n, 102n, 103n]);
  });

  it('normalises RGBA pixels into NCHW with ImageNet statistics', () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255]); // red, green: 2x1
    const t = imageTensor({ name: 'img', datatype: 'FP32', shape: ['batch', 3, 1, 2] }, rgba, 2, 1);
    expect(t.shape).toEqual([1, 3, 1, 2]);
    const d = t.data as Float32Array;
    expect(d[0]).toBeCloseTo((1 - 0.485) / 0.229, 5); // R of pixel 0
    expect(d[3]).toBeCloseTo((1 - 0.456) / 0.224, 5); // G of pixel 1
  });

  it('digests outputs for the record', () => {
    expect(digest([{ name: 'y', datatype: 'FP32', shape: [3], data: Float32Array.from([0.5, -1.25, 3]) }])).toBe('0.50000,-1.2500,3.0000');
    expect(mulberry32(1)()).toBeCloseTo(mulberry32(1)(), 12);
  });
});
