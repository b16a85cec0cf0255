import { SplitflowError, workOf } from '@splitflow/contract/core';
import type { SplitflowClient } from '../../client/types.js';
import { type Box, checkImage, cropImage, type RgbaImage, rotate180 } from '../image/rgba-image.js';
import { type DbOptions, type DetectionOptions, dbBoxes, prepareDetection } from '../ocr/detection.js';
import { type Direction, prepareDirection, readDirections } from '../ocr/direction.js';
import { REC_HEIGHT, REC_MIN_WIDTH } from '../ocr/ocr-constants.js';
import { ctcGreedyDecode, parseKeys, prepareRecognition } from '../ocr/recognition.js';
import { createDeadlineShare, runStageCall, type StageCall, type StageOptions, type StageReport, stageWhere } from './stage.js';

export interface OcrPipelineOptions {
  /** Model ids. @default { detect: 'ocr-det', orient: 'ocr-cls', recognise: 'ocr-rec' } */
  models?: { detect?: string; orient?: string; recognise?: string };
  /** The recogniser's symbols (index 0 the CTC blank). @default read from the recogniser's aux keys file */
  symbols?: readonly string[];
}

export interface OcrRunOptions {
  /** The whole pipeline's deadline, shared out between the stages by expected work. @default 3000 */
  latencyBudgetMs?: number;
  /** Per-stage routing (e.g. `{ detect: { mode: 'local-only' } }`); unset stages route on their own. */
  stages?: { detect?: StageOptions; orient?: StageOptions; recognise?: StageOptions };
  /** Skip the direction stage (for text known to be upright). @default true */
  orient?: boolean;
  /** Lines per recognition call; the calls run at once, each routed on its own. @default 16 */
  recogniseBatch?: number;
  detection?: DetectionOptions & DbOptions;
  signal?: AbortSignal;
}

export interface OcrLine {
  box: Box;
  text: string;
  /** Mean probability of the recognised symbols. */
  score: number;
  /** Text-probability of the detected box. */
  boxScore: number;
  angle: Direction['angle'];
}

export interface OcrResult {
  lines: OcrLine[];
  /** The lines' text, top to bottom. */
  text: string;
  stages: StageReport[];
  totalMs: number;
}

export interface OcrPipeline {
  run(image: RgbaImage, options?: OcrRunOptions): Promise<OcrResult>;
}

// Before detection the number and width of the lines are unknown: assume a few short ones.
const PRIOR_LINES = 4;

/**
 * PP-OCR as three stages, each a separate `client.infer` routed on its own: detection (one call on
 * the whole image), direction (one call for all lines) and recognition (lines sorted by width and
 * sent in batches that run at once). Every stage's route is in the result.
 */
export function createOcrPipeline(client: SplitflowClient, options: OcrPipelineOptions = {}): OcrPipeline {
  const models = { detect: 'ocr-det', orient: 'ocr-cls', recognise: 'ocr-rec', ...options.models };
  let symbols: Promise<readonly string[]> | undefined = options.symbols ? Promise.resolve(options.symbols) : undefined;
  const loadSymbols = () => {
    symbols ??= client.auxFile(models.recognise).then((bytes) => parseKeys(new TextDecoder().decode(bytes)));
    symbols.catch(() => {
      symbols = undefined;
    });
    return symbols;
  };
  const manifest = (id: string) => {
    const m = client.catalog.models.find((x) => x.id === id);
    if (!m) throw new SplitflowError('MODEL_NOT_FOUND', { message: `the OCR pipeline needs model "${id}", which the catalog lacks`, details: { model: id } });
    return m;
  };
  const flops = (id: string, dims: Record<string, number>) => workOf(manifest(id), dims).flops;

  return {
    async run(image, o = {}) {
      checkImage(image);
      const batch = o.recogniseBatch ?? 16;
      if (!(Number.isInteger(batch) && batch > 0))
        throw new SplitflowError('INVALID_REQUEST', { message: `recogniseBatch must be a positive integer, got ${batch}` });
      const orient = o.orient ?? true;
      const clock = createDeadlineShare(o.latencyBudgetMs ?? 3000);
      const keys = loadSymbols();
      const stages: StageReport[] = [];
      const stage = async (name: string, model: string, budgetMs: number, calls: () => Promise<StageCall[]>) => {
        const started = clock.elapsedMs();
        const done = await calls();
        stages.push({ stage: name, model, budgetMs, elapsedMs: clock.elapsedMs() - started, where: stageWhere(done), calls: done });
        return done;
      };

      // Detect.
      const det = prepareDetection(image, o.detection);
      const [, , height, width] = det.tensor.shape as number[];
      const recPrior = flops(models.recognise, { batch: PRIOR_LINES, width: REC_MIN_WIDTH });
      const clsPrior = orient ? flops(models.orient, { batch: PRIOR_LINES }) : 0;
      const detBudget = clock.next(
        'detect',
        flops(models.detect, { batch: 1, height: height as number, width: width as number }),
        clsPrior + recPrior,
        orient ? 2 : 1,
      );
      const [detCall] = await stage('detect', models.detect, detBudget, async () => [
        await runStageCall(client, models.detect, { x: det.tensor }, 1, detBudget, { ...o.stages?.detect, signal: o.signal }),
      ]);
      const map = Object.values((detCall as StageCall).outputs)[0];
      if (!map) throw new SplitflowError('INVALID_TENSOR', { message: `model "${models.detect}" returned no output` });
      const boxes = dbBoxes(map, image, det, o.detection);
      let crops = boxes.map((b) => cropImage(image, b));
      if (crops.length === 0) return { lines: [], text: '', stages, totalMs: clock.elapsedMs() };

      const recWidth = Math.max(REC_MIN_WIDTH, ...crops.map((c) => Math.ceil((REC_HEIGHT * c.width) / c.height)));
      const recWork = flops(models.recognise, { batch: crops.length, width: recWidth });

      // Orient: one call for every line; upside-down ones are turned before recognition.
      let directions: Direction[] = crops.map(() => ({ angle: 0, score: 1, rotate: false }));
      if (orient) {
        const budget = clock.next('orient', flops(models.orient, { batch: crops.length }), recWork, 1);
        const [call] = await stage('orient', models.orient, budget, async () => [
          await runStageCall(client, models.orient, { x: prepareDirection(crops) }, crops.length, budget, { ...o.stages?.orient, signal: o.signal }),
        ]);
        const probs = Object.values((call as StageCall).outputs)[0];
        if (!probs) throw new SplitflowError('INVALID_TENSOR', { message: `model "${models.orient}" returned no output` });
        directions = readDirections(probs);
        crops = crops.map((c, i) => (directions[i]?.rotate ? rotate180(c) : c));
      }

      // Recognise: lines of like width share a batch, so little of each batch is padding.
      const order = crops.map((c, i) => ({ i, ratio: c.width / c.height })).sort((a, b) => a.ratio - b.ratio);
      const groups: number[][] = [];
      for (let k = 0; k < order.length; k += batch) groups.push(order.slice(k, k + batch).map((e) => e.i));
      const recBudget = clock.next('recognise', recWork, 0, 0);
      const table = await keys;
      const calls = await stage('recognise', models.recognise, recBudget, () =>
        Promise.all(
          groups.map((g) =>
            runStageCall(client, models.recognise, { x: prepareRecognition(g.map((i) => crops[i] as RgbaImage)) }, g.length, recBudget, {
              ...o.stages?.recognise,
              signal: o.signal,
            }),
          ),
        ),
      );
      const texts = new Array<{ text: string; score: number }>(crops.length);
      calls.forEach((call, k) => {
        const probs = Object.values(call.outputs)[0];
        if (!probs) throw new SplitflowError('INVALID_TENSOR', { message: `model "${models.recognise}" returned no output` });
        ctcGreedyDecode(probs, table).forEach((t, j) => {
          texts[(groups[k] as number[])[j] as number] = t;
        });
      });
      const lines: OcrLine[] = boxes.map((b, i) => ({
        box: { x: b.x, y: b.y, width: b.width, height: b.height },
        text: texts[i]?.text ?? '',
        score: texts[i]?.score ?? 0,
        boxScore: b.score,
        angle: directions[i]?.angle ?? 0,
      }));
      return { lines, text: lines.map((l) => l.text).join('\n'), stages, totalMs: clock.elapsedMs() };
    },
  };
}
