import { SplitflowError, type Tensor } from '@splitflow/contract/core';
import { checkImage, type RgbaImage, resizeImage, writeNchw } from '../image/rgba-image.js';
import { LINE_NORMALISATION, REC_HEIGHT, REC_MIN_WIDTH } from './ocr-constants.js';

/**
 * PP-OCR recognition input for a batch of lines: each resized to 48 pixels high keeping its aspect,
 * normalised, left-aligned and padded with zeros to the batch width, `48 * max(w/h)`, at least 320
 * (PaddleOCR `resize_norm_img`). One [n, 3, 48, width] tensor.
 */
export function prepareRecognition(lines: readonly RgbaImage[], maxWidth = 3200): Tensor {
  if (lines.length === 0) throw new SplitflowError('INVALID_REQUEST', { message: 'no text lines to recognise' });
  for (const [i, line] of lines.entries()) checkImage(line, `line ${i}`);
  const ratio = Math.max(REC_MIN_WIDTH / REC_HEIGHT, ...lines.map((l) => l.width / l.height));
  const width = Math.min(maxWidth, Math.ceil(REC_HEIGHT * ratio));
  const data = new Float32Array(lines.length * 3 * REC_HEIGHT * width);
  lines.forEach((line, i) => {
    const w = Math.min(width, Math.max(1, Math.ceil((REC_HEIGHT * line.width) / line.height)));
    writeNchw(data, i, resizeImage(line, w, REC_HEIGHT), { width, height: REC_HEIGHT }, LINE_NORMALISATION);
  });
  return { datatype: 'FP32', shape: [lines.length, 3, REC_HEIGHT, width], data };
}

/**
 * The recogniser's symbol table: index 0 is the CTC blank, then one symbol per line of the keys file,
 * then a space (PaddleOCR `use_space_char`).
 */
export function parseKeys(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new SplitflowError('INVALID_REQUEST', { message: 'the keys file is empty' });
  return ['', ...lines, ' '];
}

export interface RecognisedText {
  text: string;
  /** Mean probability of the kept symbols (0 when none was kept). */
  score: number;
}

/** Greedy CTC decoding of [n, steps, symbols] probabilities: best symbol per step, repeats merged, blanks dropped. */
export function ctcGreedyDecode(probs: Tensor, symbols: readonly string[]): RecognisedText[] {
  if (probs.datatype !== 'FP32' || probs.shape.length !== 3) {
    throw new SplitflowError('INVALID_TENSOR', {
      message: `CTC probabilities are FP32 [n, steps, symbols], got ${probs.datatype} [${probs.shape.join(', ')}]`,
    });
  }
  const [n, steps, classes] = probs.shape as [number, number, number];
  if (classes !== symbols.length) {
    throw new SplitflowError('INVALID_TENSOR', { message: `the model scores ${classes} symbols but the table holds ${symbols.length}` });
  }
  const p = probs.data as Float32Array;
  const out: RecognisedText[] = [];
  for (let i = 0; i < n; i++) {
    let text = '';
    let sum = 0;
    let kept = 0;
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      const row = (i * steps + t) * classes;
      let best = 0;
      let bestP = p[row] as number;
      for (let k = 1; k < classes; k++) {
        const v = p[row + k] as number;
        if (v > bestP) {
          bestP = v;
          best = k;
        }
      }
      if (best !== 0 && best !== previous) {
        text += symbols[best];
        sum += bestP;
        kept++;
      }
      previous = best;
    }
    out.push({ text, score: kept > 0 ? sum / kept : 0 });
  }
  return out;
}
