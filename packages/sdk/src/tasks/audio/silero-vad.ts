import { SplitflowError, type Tensor } from '@splitflow/contract/core';

/** Silero VAD v5 at 16 kHz: 512 new samples a call, after 64 samples of context from the previous call. */
export const VAD_SAMPLE_RATE = 16000;
export const VAD_FRAME_SAMPLES = 512;
export const VAD_CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 128;

/** What carries over between frames of one stream: the LSTM state and the last 64 samples. */
export interface VadState {
  state: Float32Array;
  context: Float32Array;
}

export function initialVadState(): VadState {
  return { state: new Float32Array(STATE_SIZE), context: new Float32Array(VAD_CONTEXT_SAMPLES) };
}

/** The model's inputs for one frame of 512 samples (a shorter last frame is padded with silence). */
export function vadFrameInputs(frame: Float32Array, carried: VadState): Record<string, Tensor> {
  if (!(frame instanceof Float32Array) || frame.length === 0 || frame.length > VAD_FRAME_SAMPLES) {
    throw new SplitflowError('INVALID_REQUEST', { message: `a VAD frame is a Float32Array of 1..${VAD_FRAME_SAMPLES} samples at 16 kHz` });
  }
  const input = new Float32Array(VAD_CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  input.set(carried.context, 0);
  input.set(frame, VAD_CONTEXT_SAMPLES);
  return {
    input: { datatype: 'FP32', shape: [1, input.length], data: input },
    state: { datatype: 'FP32', shape: [2, 1, 128], data: carried.state.slice() },
    sr: { datatype: 'INT64', shape: [], data: BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)) },
  };
}

/** Reads one frame's outputs: the speech probability and the state for the next frame. */
export function readVadOutputs(outputs: Record<string, Tensor>, input: Tensor): { probability: number; next: VadState } {
  const output = outputs.output;
  const stateN = outputs.stateN;
  if (output?.datatype !== 'FP32' || stateN?.datatype !== 'FP32' || (stateN.data as Float32Array).length !== STATE_SIZE) {
    throw new SplitflowError('INVALID_TENSOR', { message: 'VAD outputs must hold FP32 `output` [1, 1] and `stateN` [2, 1, 128]' });
  }
  const samples = input.data as Float32Array;
  return {
    probability: (output.data as Float32Array)[0] as number,
    next: { state: Float32Array.from(stateN.data as Float32Array), context: samples.slice(samples.length - VAD_CONTEXT_SAMPLES) },
  };
}

export interface SegmentOptions {
  /** A frame at or over this probability is speech. @default 0.5 (Silero's own default) */
  positiveThreshold?: number;
  /** Speech ends after `redemptionMs` of frames under this. @default positiveThreshold - 0.15 */
  negativeThreshold?: number;
  /** @default 300 */
  redemptionMs?: number;
  /** Shorter bursts are dropped as misfires. @default 250 */
  minSpeechMs?: number;
}

export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

/**
 * Speech segments from per-frame probabilities, with hysteresis: speech starts at a frame over the
 * positive threshold and ends once frames stay under the negative one for `redemptionMs`.
 */
export function speechSegments(probabilities: readonly number[], options: SegmentOptions = {}): SpeechSegment[] {
  const frameMs = (VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE) * 1000;
  const positive = options.positiveThreshold ?? 0.5;
  const negative = options.negativeThreshold ?? Math.max(0.01, positive - 0.15);
  const redemption = Math.max(1, Math.round((options.redemptionMs ?? 300) / frameMs));
  const minSpeech = options.minSpeechMs ?? 250;
  const segments: SpeechSegment[] = [];
  let start = -1;
  let lastSpeech = -1;
  let quiet = 0;
  const close = () => {
    const segment = { startMs: start * frameMs, endMs: (lastSpeech + 1) * frameMs };
    if (segment.endMs - segment.startMs >= minSpeech) segments.push(segment);
    start = -1;
    quiet = 0;
  };
  probabilities.forEach((p, i) => {
    if (p >= positive) {
      if (start < 0) start = i;
      lastSpeech = i;
      quiet = 0;
    } else if (start >= 0 && p < negative && ++quiet >= redemption) {
      close();
    }
  });
  if (start >= 0) close();
  return segments;
}
