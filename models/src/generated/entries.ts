// Catalog entries of the generated models: the graph, the sizes it is counted at, and the manifest
// fields that are not computed (task, bounds, descriptions).

import { join } from 'node:path';
import type { DimBinding, ModelManifest, TensorSpec } from '@splitflow/contract';
import type { BuildContext, CatalogEntry } from '../catalog/entry.js';
import { typicalDims } from '../catalog/print.js';
import type { Monomial } from '../cost/fit.js';
import { inferShapes } from '../cost/infer-shapes.js';
import { checkFit, fitCost, type Measured } from '../cost/profile-fit.js';
import { toFloat16 } from '../onnx/fp16.js';
import { DTYPE_BYTES, elements, type GraphSpec } from '../onnx/graph.js';
import { modelBytes, writeModel } from '../onnx/write.js';
import { buildCuts, describeCuts } from '../split/build-cuts.js';
import { viewOfSpec } from '../split/graph-view.js';
import { feedsFor } from '../testing/model-feeds.js';
import { LARGE_MLP, mlpGraph, TINY_MLP } from './mlp.js';
import { TEXT, textGraph } from './text-m.js';
import { visionGraph } from './vision-s.js';

export interface GeneratedModel {
  id: string;
  version: string;
  task: string;
  description: string;
  graph(): GraphSpec;
  /** Concrete input shapes at a binding of the symbolic dims. */
  inputShapes(dims: DimBinding): Record<string, number[]>;
  samples: DimBinding[];
  /** A size not among the samples, where the fit must reproduce the count. */
  check: DimBinding;
  basis: Monomial[];
  /** Terms for the activation bound, when some nodes' tensors do not scale with the batch. */
  activationBasis?: Monomial[];
  dimBounds: NonNullable<ModelManifest['dimBounds']>;
  /** Value ranges of inputs the graph indexes with (token ids), written into their specs. */
  inputRanges?: Record<string, NonNullable<TensorSpec['range']>>;
  /** Also write an fp16 variant (for WebGPU devices with shader-f16). */
  fp16?: boolean;
  onDemand?: boolean;
}

const batchOnly = { samples: [{ batch: 1 }, { batch: 2 }], check: { batch: 3 }, basis: [{ batch: 1 }] };

export const GENERATED: GeneratedModel[] = [
  {
    id: 'tiny',
    version: '1.0.0',
    task: 'classification',
    description: 'MLP feature classifier 64-128-128-16 (ReLU), seeded weights: the smallest model, cheap on any device.',
    graph: () => mlpGraph(TINY_MLP),
    inputShapes: (d) => ({ features: [d.batch ?? 1, TINY_MLP.inputs] }),
    ...batchOnly,
    dimBounds: { batch: { min: 1, max: 1024 } },
  },
  {
    id: 'vision-s',
    version: '1.0.0',
    task: 'image-classification',
    description:
      'MobileNet-style CNN on 224x224 RGB (NCHW, values about -1..1): conv stem, depthwise-separable blocks, max pool, global average pool, 1000 logits. Seeded weights.',
    graph: visionGraph,
    inputShapes: (d) => ({ image: [d.batch ?? 1, 3, 224, 224] }),
    ...batchOnly,
    dimBounds: { batch: { min: 1, max: 64 } },
    fp16: true,
  },
  {
    id: 'text-m',
    version: '1.0.0',
    task: 'text-classification',
    description: `Transformer encoder (${TEXT.layers} layers, d=${TEXT.dim}, ${TEXT.heads} heads, FFN ${TEXT.ffn}, GELU, post-LN) on token ids < ${TEXT.vocab}, mean-pooled to ${TEXT.classes} logits. Seeded weights. Cost grows with seq² (attention).`,
    graph: textGraph,
    inputShapes: (d) => ({ input_ids: [d.batch ?? 1, d.seq ?? 1] }),
    samples: [
      { batch: 1, seq: 16 },
      { batch: 1, seq: 32 },
      { batch: 1, seq: 64 },
      { batch: 2, seq: 32 },
      { batch: 2, seq: 16 },
    ],
    check: { batch: 3, seq: 48 },
    basis: [{ batch: 1 }, { batch: 1, seq: 1 }, { batch: 1, seq: 2 }],
    // The position table slice is [seq, dim] whatever the batch.
    activationBasis: [{}, { seq: 1 }, { batch: 1 }, { batch: 1, seq: 1 }, { batch: 1, seq: 2 }],
    dimBounds: { batch: { min: 1, max: 64 }, seq: { min: 1, max: TEXT.maxSeq } },
    // Token ids index the embedding table: one past it fails the Gather at run time.
    inputRanges: { input_ids: { min: 0, max: TEXT.vocab - 1 } },
  },
  {
    id: 'large',
    version: '3.0.0',
    task: 'classification',
    description:
      'Deep wide MLP 1024-4096x5-64 (ReLU), about 143 MFLOP per row and 286 MB of seeded weights: a model only a GPU serves well. Built on demand (`npm run models -- --large`).',
    graph: () => mlpGraph(LARGE_MLP),
    inputShapes: (d) => ({ features: [d.batch ?? 1, LARGE_MLP.inputs] }),
    ...batchOnly,
    dimBounds: { batch: { min: 1, max: 1024 } },
    onDemand: true,
  },
];

const specOf = (v: GraphSpec['inputs'][number]): TensorSpec => ({ name: v.name, datatype: v.datatype, shape: [...v.shape] });

export function parameterBytes(graph: GraphSpec): number {
  return graph.initializers.reduce((sum, init) => sum + elements(init.dims) * (DTYPE_BYTES[init.datatype] ?? 4), 0);
}

/** Builds the model file (or only hashes it) and computes its manifest from the graph. */
export async function buildGenerated(model: GeneratedModel, ctx: BuildContext): Promise<ModelManifest[]> {
  const graph = model.graph();
  const path = `${model.id}/model.onnx`;
  const file = writeModel(graph, ctx.write ? join(ctx.outDir, path) : null);
  const measure = (dims: DimBinding): Measured => ({ dims, records: inferShapes(graph, model.inputShapes(dims)) });
  const measured = model.samples.map(measure);
  const cost = fitCost(measured, model.basis, model.activationBasis);
  checkFit(model.id, cost, measure(model.check), 1e-9);
  const manifest: ModelManifest = {
    id: model.id,
    version: model.version,
    task: model.task,
    format: 'onnx',
    description: model.description,
    source: { origin: `generated by models/build.ts (seeded weights, ONNX opset ${graph.opset})`, license: 'Apache-2.0' },
    files: [{ path, bytes: file.bytes, sha256: file.sha256, role: 'model' }],
    inputs: graph.inputs.map((v) => {
      const spec = specOf(v);
      const range = model.inputRanges?.[v.name];
      return range ? { ...spec, range } : spec;
    }),
    outputs: graph.outputs.map(specOf),
    batchDim: 'batch',
    dimBounds: model.dimBounds,
    cost: { flops: cost.flops, parameterBytes: parameterBytes(graph), activationBytes: cost.activationBytes, measuredAt: model.samples },
  };
  const tails: ModelManifest[] = [];
  if (!model.onDemand) {
    // On-demand models are not split: their bytes are never held whole, and `large` has no cut (every
    // hidden layer is wider than its input).
    const built = await buildCuts(
      {
        manifest,
        view: viewOfSpec(graph),
        bytes: () => modelBytes(graph),
        measured,
        basis: model.basis,
        activationBasis: model.activationBasis,
        reference: typicalDims(manifest),
        accuracyDims: { ...model.check, batch: 1 },
        feeds: (dims, seed) => feedsFor(manifest, dims, seed),
      },
      ctx,
    );
    for (const line of describeCuts(manifest, built, typicalDims(manifest))) ctx.log?.(line);
    if (built.cutPoints.length > 0) manifest.cutPoints = built.cutPoints;
    tails.push(...built.tails);
  }
  if (model.fp16) {
    const half = `${model.id}/model.fp16.onnx`;
    const written = writeModel(toFloat16(graph), ctx.write ? join(ctx.outDir, half) : null);
    manifest.variants = [
      { name: 'fp16', precision: 'fp16', files: [{ path: half, bytes: written.bytes, sha256: written.sha256, role: 'model' }], requires: ['shader-f16'] },
    ];
  }
  if (model.onDemand) manifest.onDemand = true;
  return [manifest, ...tails];
}

export const generatedEntries = (): CatalogEntry[] =>
  GENERATED.map((model) => ({ id: model.id, onDemand: model.onDemand, build: async (ctx: BuildContext) => buildGenerated(model, ctx) }));
