import { SplitflowError } from '@splitflow/contract/core';
import type { SplitflowClient } from '../../client/types.js';
import { type Label, prepareNhwc, topK } from '../classify/image-classifier.js';
import type { RgbaImage } from '../image/rgba-image.js';
import { runStageCall, type StageOptions, type StageReport } from './stage.js';

export interface ClassifyOptions extends StageOptions {
  /** @default 'nsfw-mobilenet' */
  model?: string;
  /** @default 3 */
  k?: number;
  /** @default 2000 */
  latencyBudgetMs?: number;
  signal?: AbortSignal;
}

export interface ClassifyResult {
  labels: Label[];
  stages: StageReport[];
}

/** An NHWC 0..1 image classifier (nsfwjs's MobileNetV2 by default): the top `k` labels with scores, and the route. */
export async function classifyImage(client: SplitflowClient, image: RgbaImage, options: ClassifyOptions = {}): Promise<ClassifyResult> {
  const model = options.model ?? 'nsfw-mobilenet';
  const manifest = client.catalog.models.find((m) => m.id === model);
  if (!manifest?.labels)
    throw new SplitflowError('MODEL_NOT_FOUND', { message: `model "${model}" is not a labelled classifier in the catalog`, details: { model } });
  const spec = manifest.inputs[0];
  const size = typeof spec?.shape[1] === 'number' ? spec.shape[1] : 224;
  const budget = options.latencyBudgetMs ?? 2000;
  const started = performance.now();
  const call = await runStageCall(client, model, { [spec?.name ?? 'input']: prepareNhwc(image, size) }, 1, budget, options);
  const scores = Object.values(call.outputs)[0];
  if (!scores) throw new SplitflowError('INVALID_TENSOR', { message: `model "${model}" returned no output` });
  return {
    labels: topK(scores, manifest.labels, options.k ?? 3),
    stages: [{ stage: 'classify', model, budgetMs: budget, elapsedMs: performance.now() - started, where: call.route.where, calls: [call] }],
  };
}
