// The cut search on small graphs whose cuts are known, and every kept cut of the catalog run for
// real: the head then the tail give the whole model's outputs.
import { type CutPoint, type DimBinding, evalTerms, type ModelManifest } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { countRecords } from '../cost/count.js';
import { decodeModel } from '../onnx/proto.js';
import { REAL_ONNX } from '../real/onnx-models.js';
import type { Feed } from '../runtime/feeds.js';
import { type Outputs, openNode, profileNode } from '../runtime/ort-node.js';
import { feedsFor } from '../testing/model-feeds.js';
import { loadCatalog, readBuilt } from '../testing/paths.js';
import { ENCODING_TOLERANCE } from './build-cuts.js';
import { type CostedCut, type DerivedDim, keepCuts, prefixCuts, symbolicShape } from './find-cuts.js';
import type { GraphView, ViewNode } from './graph-view.js';

const node = (name: string, inputs: string[], outputs = [name]): ViewNode => ({ name, opType: 'Op', inputs, outputs });
const view = (compute: ViewNode[], extra: Partial<GraphView> = {}): GraphView => ({
  inputs: ['x'],
  outputs: ['y'],
  compute,
  constantNodes: [],
  constants: new Set(['w']),
  controlFlow: [],
  ...extra,
});

describe('prefixCuts', () => {
  it('cuts a chain at every tensor between nodes, never at the output', () => {
    const g = view([node('a', ['x', 'w']), node('b', ['a']), node('y', ['b'])]);
    expect(prefixCuts(g)).toEqual([
      { headNodes: 1, tensors: ['a'] },
      { headNodes: 2, tensors: ['b'] },
    ]);
  });

  it('carries both ends of a skip connection, and never a weight', () => {
    // a feeds b and the residual add c: after b, a and b both cross.
    const g = view([node('a', ['x']), node('b', ['a', 'w']), node('c', ['a', 'b', 'w']), node('y', ['c'])]);
    expect(prefixCuts(g)).toEqual([
      { headNodes: 1, tensors: ['a'] },
      { headNodes: 2, tensors: ['a', 'b'] },
      { headNodes: 3, tensors: ['c'] },
    ]);
  });

  it('does not cut where the tail would need the raw input, or more tensors than allowed, or a graph with control flow', () => {
    const g = view([node('a', ['x']), node('b', ['a']), node('c', ['b', 'x']), node('y', ['c'])]);
    expect(prefixCuts(g)).toEqual([{ headNodes: 3, tensors: ['c'] }]);
    const wide = view([node('a', ['x']), node('b', ['x']), node('c', ['x']), node('y', ['a', 'b', 'c'])]);
    expect(prefixCuts(wide, 2)).toEqual([]);
    expect(prefixCuts(wide, 3)).toEqual([{ headNodes: 3, tensors: ['a', 'b', 'c'] }]);
    expect(prefixCuts({ ...wide, controlFlow: ['If_0'] })).toEqual([]);
  });
});

describe('symbolicShape', () => {
  it('names axes after the input dim they follow, divided or multiplied', () => {
    const derived = new Map<string, DerivedDim>();
    const samples: DimBinding[] = [
      { batch: 1, height: 64, width: 64 },
      { batch: 2, height: 128, width: 64 },
      { batch: 2, height: 64, width: 128 },
    ];
    const sizes = [
      [1, 16, 16, 128],
      [2, 16, 32, 128],
      [2, 16, 16, 256],
    ];
    expect(symbolicShape(sizes, samples, derived)).toEqual(['batch', 16, 'height_4', 'width_x2']);
    expect(derived.get('height_4')).toEqual({ dim: 'height', divisor: 4, multiplier: 1 });
    expect(
      symbolicShape(
        [
          [3, 1],
          [5, 1],
          [7, 1],
        ],
        samples,
        new Map(),
      ),
    ).toBeNull();
  });
});

describe('keepCuts', () => {
  const cut = (before: number, bytes: number, total = 100, inputBytes = 1000): CostedCut => ({
    headNodes: before,
    tensors: [`t${before}`],
    cutTensors: [],
    derived: new Map(),
    flopsBefore: [],
    flopsAfter: [],
    bytes: [],
    at: { before, after: total - before, total, bytes, wireBytesMin: bytes / 4, inputBytes },
  });
  it('keeps the front of FLOPs before against bytes across, where the tail still works and the bytes can beat the input', () => {
    const { kept, dropped } = keepCuts([cut(10, 3000), cut(20, 5000), cut(30, 800), cut(40, 900), cut(50, 200), cut(99, 10), cut(60, 4200)]);
    expect(kept.map((c) => c.headNodes)).toEqual([10, 30, 50]);
    expect(dropped.find((d) => d.tensors[0] === 't99')?.reason).toMatch(/tail does 1\.0% of the FLOPs/);
    expect(dropped.find((d) => d.tensors[0] === 't60')?.reason).toMatch(/even at one byte per value/);
    expect(dropped.find((d) => d.tensors[0] === 't40')?.reason).toMatch(/dominated/);
  });
  it('spreads at most `max` along a longer front', () => {
    const front = Array.from({ length: 9 }, (_, i) => cut(10 + i * 5, 3000 - i * 300));
    expect(keepCuts(front, 3).kept.map((c) => c.headNodes)).toEqual([10, 30, 50]);
  });
});

const catalog = loadCatalog();
const manifest = (id: string) => catalog.models.find((m) => m.id === id) as ModelManifest;
const cuts = catalog.models.flatMap((m) => (m.cutPoints ?? []).map((c) => [`${m.id} at ${c.name}`, m, c] as [string, ModelManifest, CutPoint]));

/** Sizes each model is run at: small, with every symbolic dim of every cut tensor a whole number. */
const DIMS: DimBinding = { batch: 2, seq: 16, height: 64, width: 96 };

function wireFeeds(produced: Outputs, tail: ModelManifest): Feed[] {
  return tail.inputs.map((spec) => {
    const out = produced[spec.name];
    if (!out) throw new Error(`the head has no output ${spec.name}`);
    return { name: spec.name, datatype: spec.datatype, shape: out.dims, data: out.data };
  });
}

const argmaxRows = (data: Float32Array, width: number) =>
  Array.from({ length: data.length / width }, (_, r) => {
    let best = 0;
    for (let j = 1; j < width; j++) if ((data[r * width + j] ?? 0) > (data[r * width + best] ?? 0)) best = j;
    return best;
  });

describe('every kept cut of the catalog, in onnxruntime-node', () => {
  it('covers the models where the search kept cuts', () => {
    expect([...new Set(cuts.map(([, m]) => m.id))]).toEqual(['tiny', 'vision-s', 'ocr-det', 'ocr-rec', 'ocr-cls']);
  });

  // With onnxruntime's graph optimisations off, every node runs as written on both sides: bit for bit.
  // With them on (the default), a cut can separate nodes the optimiser would fuse (Conv with its
  // BatchNormalization, say), and the fused kernel rounds differently: measured up to 1.3e-6 on the
  // OCR models at outputs of magnitude <= 1, so 1e-5 relative to max(1, |y|).
  it.each(cuts)(
    '%s: tail(head(x)) equals the whole model (bit for bit unoptimised; 1e-5 optimised); each allowed encoding within its tolerance',
    async (_, model, cut) => {
      // A detector finds nothing in noise (its map stays near 0), so it gets the page it is measured on at build time.
      const feeds = REAL_ONNX.find((r) => r.id === model.id)?.accuracyFeeds?.(DIMS, 'split-test') ?? feedsFor(model, DIMS, 'split-test');
      const fp32 = cut.encodings.find((e) => e.encoding === 'fp32');
      expect(fp32?.allowed).toBe(true);
      const runSplit = async (optimize: boolean, tailId: string): Promise<Outputs> => {
        const head = await openNode(readBuilt(cut.head.path), { optimize });
        const tail = await openNode(readBuilt(manifest(tailId).files[0]?.path ?? ''), { optimize });
        try {
          return await tail.run(wireFeeds(await head.run(feeds), manifest(tailId)));
        } finally {
          await head.release();
          await tail.release();
        }
      };
      const runWhole = async (optimize: boolean): Promise<Outputs> => {
        const whole = await openNode(readBuilt(model.files[0]?.path ?? ''), { optimize });
        try {
          return await whole.run(feeds);
        } finally {
          await whole.release();
        }
      };
      const exact = await runSplit(false, fp32?.tail ?? '');
      const wholeExact = await runWhole(false);
      for (const spec of model.outputs) {
        expect(exact[spec.name]?.dims).toEqual(wholeExact[spec.name]?.dims);
        const bits = (o: Outputs) => Buffer.from((o[spec.name]?.data ?? new Float32Array()).buffer);
        expect(bits(exact).equals(bits(wholeExact)), `${spec.name} bit for bit`).toBe(true);
      }
      const whole = await runWhole(true);
      const worst = (got: Outputs, relative: boolean) => {
        let w = 0;
        let scale = 0;
        for (const spec of model.outputs) {
          const want = whole[spec.name]?.data as Float32Array;
          const have = got[spec.name]?.data as Float32Array;
          expect(have.length).toBe(want.length);
          for (let i = 0; i < want.length; i++) {
            const d = Math.abs((want[i] ?? 0) - (have[i] ?? Number.NaN));
            w = Math.max(w, relative ? d / Math.max(1, Math.abs(want[i] ?? 0)) : d);
            scale = Math.max(scale, Math.abs(want[i] ?? 0));
          }
        }
        return { w, scale };
      };
      expect(worst(await runSplit(true, fp32?.tail ?? ''), true).w).toBeLessThanOrEqual(1e-5);
      const first = model.outputs[0]?.name ?? '';
      for (const encoding of cut.encodings.filter((e) => e.allowed && e.encoding !== 'fp32')) {
        const got = await runSplit(true, encoding.tail ?? '');
        const { w, scale } = worst(got, false);
        expect(w, encoding.encoding).toBeLessThanOrEqual(ENCODING_TOLERANCE * scale);
        if (encoding.top1Agreement !== undefined) {
          const width = whole[first]?.dims.at(-1) ?? 1;
          expect(argmaxRows(got[first]?.data as Float32Array, width)).toEqual(argmaxRows(whole[first]?.data as Float32Array, width));
        }
      }
    },
  );

  // The head is sized on its own, as the whole model is: its weights, and a bound of the largest
  // working set of one node, checked here against onnxruntime's profile of the head file itself.
  it.each(cuts)('%s: the head memory is its own weights and a bound of its largest working set', async (_, model, cut) => {
    const memory = cut.headMemory;
    expect(memory).toBeDefined();
    const bytes = readBuilt(cut.head.path);
    expect(memory?.parameterBytes).toBe(decodeModel(bytes).parameterBytes);
    // The head's weights are the model's first layers' (plus the encoders' four scalars).
    expect(memory?.parameterBytes).toBeLessThanOrEqual(model.cost.parameterBytes + 16);
    const feeds = REAL_ONNX.find((r) => r.id === model.id)?.accuracyFeeds?.(DIMS, 'head-memory') ?? feedsFor(model, DIMS, 'head-memory');
    const peak = countRecords((await profileNode(bytes, feeds)).records).peakActivationBytes;
    const bound = evalTerms(memory?.activationBytes ?? [], DIMS);
    expect(bound).toBeGreaterThanOrEqual(peak);
    expect(bound).toBeLessThanOrEqual(evalTerms(model.cost.activationBytes, DIMS) + 2 * evalTerms(cut.activationBytes, DIMS));
  });

  it.each(cuts)('%s: the tail manifest costs what the cut says is after it', (_, model, cut) => {
    for (const e of cut.encodings.filter((x) => x.tail)) {
      const tail = manifest(e.tail ?? '');
      // Bind the tail's dims from the model's: every derived dim is the model's dim over its divisor.
      const binding: DimBinding = {};
      for (const input of tail.inputs) {
        for (const d of input.shape) {
          if (typeof d !== 'string') continue;
          const [base, factor] = d.split('_');
          const size = DIMS[base ?? ''] ?? 0;
          binding[d] = factor === undefined ? size : factor.startsWith('x') ? size * Number(factor.slice(1)) : size / Number(factor);
        }
      }
      expect(evalTerms(tail.cost.flops, binding)).toBeCloseTo(evalTerms(cut.flopsAfter, DIMS), 0);
    }
    void model;
  });
});
