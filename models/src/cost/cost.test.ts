import { type DimBinding, evalTerms } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { GENERATED } from '../generated/entries.js';
import { modelBytes } from '../onnx/write.js';
import { REAL_ONNX } from '../real/onnx-models.js';
import { profileNode } from '../runtime/ort-node.js';
import { feedsFor } from '../testing/model-feeds.js';
import { loadCatalog, readBuilt } from '../testing/paths.js';
import { countRecords } from './count.js';
import { fitTerms } from './fit.js';
import { inferShapes } from './infer-shapes.js';
import { nodeFlops } from './op-flops.js';

const catalog = loadCatalog();
const manifest = (id: string) => {
  const m = catalog.models.find((x) => x.id === id);
  if (!m) throw new Error(`no ${id} in the catalog`);
  return m;
};

describe('nodeFlops', () => {
  const flops = (opType: string, inputShapes: number[][], outputShapes: number[][]) => nodeFlops({ opType, inputShapes, outputShapes });
  it('counts convolutions as 2·out·(Cin/group·k·k), depthwise included', () => {
    expect(flops('Conv', [[1, 3, 8, 8], [4, 3, 3, 3], [4]], [[1, 4, 8, 8]])).toBe(2 * 256 * 27);
    expect(
      flops(
        'Conv',
        [
          [1, 4, 8, 8],
          [4, 1, 3, 3],
        ],
        [[1, 4, 8, 8]],
      ),
    ).toBe(2 * 256 * 9);
    expect(
      flops(
        'ConvTranspose',
        [
          [1, 4, 8, 8],
          [4, 2, 2, 2],
        ],
        [[1, 2, 16, 16]],
      ),
    ).toBe(2 * 256 * 8);
  });
  it('counts matrix products as 2·M·N·K, whichever operand is transposed', () => {
    expect(
      flops(
        'MatMul',
        [
          [2, 3, 4],
          [4, 6],
        ],
        [[2, 3, 6]],
      ),
    ).toBe(2 * 36 * 4);
    expect(flops('Gemm', [[2, 5], [7, 5], [7]], [[2, 7]])).toBe(2 * 14 * 5);
    expect(
      flops(
        'Gemm',
        [
          [5, 2],
          [5, 7],
        ],
        [[2, 7]],
      ),
    ).toBe(2 * 14 * 5);
    expect(
      flops(
        'LSTM',
        [
          [3, 2, 8],
          [1, 64, 8],
          [1, 64, 16],
        ],
        [[3, 1, 2, 16]],
      ),
    ).toBe(2 * 3 * 2 * (512 + 1024));
  });
  it('counts elementwise ops per output, reductions per input, data movement as zero', () => {
    expect(flops('Relu', [[2, 10]], [[2, 10]])).toBe(20);
    expect(flops('ReduceMean', [[2, 10, 4]], [[2, 4]])).toBe(80);
    expect(flops('Reshape', [[2, 10], [2]], [[20]])).toBe(0);
    expect(
      flops(
        'Gather',
        [
          [100, 8],
          [2, 3],
        ],
        [[2, 3, 8]],
      ),
    ).toBe(0);
  });
});

describe('fitTerms', () => {
  it('recovers a polynomial from samples', () => {
    const poly = (d: DimBinding) => 3 + 5 * (d.batch ?? 0) + 7 * (d.batch ?? 0) * (d.seq ?? 0) ** 2;
    const dims = [
      { batch: 1, seq: 4 },
      { batch: 2, seq: 4 },
      { batch: 1, seq: 9 },
      { batch: 3, seq: 2 },
    ];
    const terms = fitTerms(
      dims.map((d) => ({ dims: d, value: poly(d) })),
      [{}, { batch: 1 }, { batch: 1, seq: 2 }],
    );
    expect(evalTerms(terms, { batch: 5, seq: 11 })).toBe(poly({ batch: 5, seq: 11 }));
  });
  it('drops a term that fits negative, since costs never are', () => {
    const terms = fitTerms(
      [1, 2, 3].map((batch) => ({ dims: { batch }, value: 10 * batch - 1 })),
      [{}, { batch: 1 }],
    );
    expect(terms.every((t) => t.coefficient >= 0)).toBe(true);
    expect(terms.map((t) => t.dims)).toEqual([{ batch: 1 }]);
  });
  it('refuses samples that cannot determine the terms', () => {
    expect(() => fitTerms([{ dims: { batch: 1 }, value: 1 }], [{}, { batch: 1 }])).toThrow(/1 samples for 2 terms/);
  });
});

describe('our shape inference agrees with onnxruntime', () => {
  it.each(GENERATED.filter((m) => !m.onDemand).map((m) => [m.id, m] as const))('%s: same nodes, shapes and counts', async (_, model) => {
    const dims = { batch: 2, seq: 24 };
    const graph = model.graph();
    const own = inferShapes(graph, model.inputShapes(dims));
    const { records } = await profileNode(modelBytes(graph), feedsFor(manifest(model.id), dims));
    // onnxruntime may run independent nodes in another order: compare by node name.
    const byName = (list: typeof own) =>
      Object.fromEntries(list.map((r) => [r.name, { shapes: r.outputShapes, flops: nodeFlops(r), bytes: r.activationBytes }]));
    expect(byName(records)).toEqual(byName(own));
    expect(countRecords(records).peakActivationBytes).toBe(countRecords(own).peakActivationBytes);
  });
});

describe('the fitted cost reproduces a count at a size it was not fitted on', () => {
  const within = (predicted: number, counted: number, tolerance: number) => expect(Math.abs(predicted - counted) / counted).toBeLessThanOrEqual(tolerance);

  it.each([
    ['tiny', { batch: 5 }],
    ['vision-s', { batch: 5 }],
    ['text-m', { batch: 2, seq: 100 }],
    ['large', { batch: 7 }],
  ] as const)('%s at %o (exact)', (id, dims) => {
    const model = GENERATED.find((m) => m.id === id);
    if (!model) throw new Error(id);
    const count = countRecords(inferShapes(model.graph(), model.inputShapes(dims)));
    const m = manifest(id);
    expect(evalTerms(m.cost.flops, dims)).toBe(count.flops);
    expect(evalTerms(m.cost.activationBytes, dims)).toBeGreaterThanOrEqual(count.peakActivationBytes);
  });

  it.each([
    ['ocr-det', { batch: 1, height: 160, width: 96 }],
    ['ocr-rec', { batch: 3, width: 192 }],
    ['ocr-cls', { batch: 4 }],
    ['vad', { batch: 5 }],
  ] as const)('%s at %o (within its tolerance)', async (id, dims) => {
    const m = manifest(id);
    const tolerance = REAL_ONNX.find((r) => r.id === id)?.tolerance ?? 0;
    const { records } = await profileNode(readBuilt(`${id}/model.onnx`), feedsFor(m, dims));
    const count = countRecords(records);
    within(evalTerms(m.cost.flops, dims), count.flops, tolerance);
    expect(evalTerms(m.cost.activationBytes, dims)).toBeGreaterThanOrEqual(count.peakActivationBytes * (1 - tolerance));
  });
});
