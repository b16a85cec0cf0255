// nsfwjs ships MobileNetV2 as a tfjs layers model wrapped in UMD JavaScript modules (model.min.js
// exports {modelTopology, weightsManifest}; group1-shard1of1.min.js exports the weights as base64).
// We unwrap them into the standard files tfjs loads: model.json and a binary weights shard.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ModelManifest } from '@splitflow/contract';
import type { BuildContext, CatalogEntry } from '../catalog/entry.js';
import { type KerasLayer, kerasRecords } from '../cost/keras-count.js';
import { checkFit, fitCost } from '../cost/profile-fit.js';
import { emitFile } from './copy-file.js';
import { findPackage } from './package-dir.js';

const NSFW_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
const SIZE = 224;
const SHARD = 'group1-shard1of1.bin';

interface WeightsGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
}
interface LayersModel {
  modelTopology: { model_config: { config: { layers: KerasLayer[] } } };
  weightsManifest: WeightsGroup[];
}

export interface NsfwFiles {
  modelJson: LayersModel & { format: string };
  weights: Uint8Array;
}

/** Loads the UMD modules and returns the model.json document and the weight bytes. */
export function unwrapNsfw(packageDir: string): NsfwFiles {
  const require = createRequire(join(packageDir, 'package.json'));
  const dir = join(packageDir, 'dist/models/mobilenet_v2');
  const model = require(join(dir, 'model.min.js')) as LayersModel;
  const base64 = require(join(dir, 'group1-shard1of1.min.js')) as unknown;
  if (typeof base64 !== 'string' || !model.modelTopology || !Array.isArray(model.weightsManifest) || model.weightsManifest.length !== 1) {
    throw new Error('nsfwjs: unexpected shape of the bundled mobilenet_v2 modules');
  }
  const weightsManifest = model.weightsManifest.map((g) => ({ ...g, paths: [SHARD] }));
  return { modelJson: { format: 'layers-model', modelTopology: model.modelTopology, weightsManifest }, weights: Buffer.from(base64, 'base64') };
}

export async function buildNsfw(ctx: BuildContext, packagesFrom: string): Promise<ModelManifest> {
  const pkg = findPackage('nsfwjs', packagesFrom);
  const { modelJson, weights } = unwrapNsfw(pkg.dir);
  const layers = modelJson.modelTopology.model_config.config.layers;
  const params = modelJson.weightsManifest.flatMap((g) => g.weights).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const files = [
    emitFile(ctx, 'nsfw-mobilenet/model.json', new TextEncoder().encode(JSON.stringify(modelJson)), 'model'),
    emitFile(ctx, `nsfw-mobilenet/${SHARD}`, weights, 'weights'),
  ];
  const basis = [{ batch: 1 }];
  const measure = (batch: number) => ({ dims: { batch }, records: kerasRecords(layers, [batch, SIZE, SIZE, 3]) });
  const samples = [1, 2];
  const cost = fitCost(samples.map(measure), basis);
  checkFit('nsfw-mobilenet', cost, measure(3), 1e-9);
  return {
    id: 'nsfw-mobilenet',
    version: pkg.version,
    task: 'image-classification',
    format: 'tfjs',
    description:
      'nsfwjs MobileNetV2 (tfjs layers model, uint8-quantised weights): a 224x224 RGB image, NHWC, values 0..1 (pixels / 255), to softmax probabilities of five classes.',
    source: { origin: `npm:nsfwjs@${pkg.version}/dist/models/mobilenet_v2 (unwrapped from its UMD modules)`, license: pkg.license },
    files,
    inputs: [{ name: 'input_1', datatype: 'FP32', shape: ['batch', SIZE, SIZE, 3] }],
    outputs: [{ name: 'dense_3', datatype: 'FP32', shape: ['batch', NSFW_CLASSES.length] }],
    batchDim: 'batch',
    dimBounds: { batch: { min: 1, max: 64 } },
    // tfjs dequantises the uint8 weights to float32 when it loads them.
    cost: { flops: cost.flops, parameterBytes: params * 4, activationBytes: cost.activationBytes, measuredAt: samples.map((batch) => ({ batch })) },
    labels: NSFW_CLASSES,
  };
}

export const nsfwEntry = (packagesFrom: string): CatalogEntry => ({ id: 'nsfw-mobilenet', build: (ctx) => buildNsfw(ctx, packagesFrom) });
