import { SplitflowError } from '@splitflow/contract/core';
import type { Route, SplitflowClient } from '../../client/types.js';
import type { Where } from '../../router/decision.js';
import {
  initialVadState,
  readVadOutputs,
  type SegmentOptions,
  type SpeechSegment,
  speechSegments,
  VAD_FRAME_SAMPLES,
  VAD_SAMPLE_RATE,
  type VadState,
  vadFrameInputs,
} from '../audio/silero-vad.js';
import type { StageOptions } from './stage.js';

export interface VadStreamOptions extends StageOptions {
  /** @default 'vad' */
  model?: string;
  /**
   * Budget of each frame's call. A live microphone needs a frame done before the next one arrives.
   * @default 32 (one 512-sample frame at 16 kHz)
   */
  frameBudgetMs?: number;
  segments?: SegmentOptions;
  /** Per-frame routing over the stream's own (e.g. to move a stream between sides mid-way). */
  frameOptions?: (index: number) => StageOptions;
  signal?: AbortSignal;
}

/** One frame's call: its probability and where it ran. */
export interface VadFrame {
  index: number;
  probability: number;
  where: Where;
  route: Route;
}

export interface VadStream {
  /** Feeds 16 kHz mono samples; runs every whole frame they complete, in order, and returns those frames. */
  push(samples: Float32Array): Promise<VadFrame[]>;
  /** Runs what is left (a short last frame padded with silence) and returns the speech segments. */
  finish(): Promise<SpeechSegment[]>;
  /** Every frame so far. */
  readonly frames: readonly VadFrame[];
  /** How many frames ran on each side. */
  routes(): Record<'local' | 'cloud', number>;
}

/**
 * Silero VAD over a stream, frame by frame. The recurrent state and the 64-sample context travel
 * with every call as tensors, so each frame may be routed on its own (local or cloud) and the state
 * stays one sequence whatever side ran the frame before. Frames run strictly one after another.
 */
export function createVadStream(client: SplitflowClient, options: VadStreamOptions = {}): VadStream {
  const model = options.model ?? 'vad';
  const frameBudgetMs = options.frameBudgetMs ?? (VAD_FRAME_SAMPLES / VAD_SAMPLE_RATE) * 1000;
  if (!(frameBudgetMs > 0)) throw new SplitflowError('INVALID_REQUEST', { message: `frameBudgetMs must be > 0, got ${frameBudgetMs}` });
  let carried: VadState = initialVadState();
  let pending = new Float32Array(0);
  const frames: VadFrame[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let finished = false;

  const runFrame = async (frame: Float32Array) => {
    const inputs = vadFrameInputs(frame, carried);
    const input = inputs.input as NonNullable<typeof inputs.input>;
    // The input tensor may be moved to a Worker; keep the context from a copy.
    const sent = { datatype: input.datatype, shape: [...input.shape], data: (input.data as Float32Array).slice() } as typeof input;
    const { outputs, route } = await client.infer(model, inputs, {
      latencyBudgetMs: frameBudgetMs,
      mode: options.mode,
      privacy: options.privacy,
      priority: options.priority,
      ...options.frameOptions?.(frames.length),
      signal: options.signal,
    });
    const read = readVadOutputs(outputs, sent);
    carried = read.next;
    const done: VadFrame = { index: frames.length, probability: read.probability, where: route.where, route };
    frames.push(done);
    return done;
  };

  // Calls queue behind each other: the state of frame n is an input of frame n + 1.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work);
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    push(samples) {
      if (finished) return Promise.reject(new SplitflowError('INVALID_REQUEST', { message: 'the VAD stream has finished' }));
      if (!(samples instanceof Float32Array))
        return Promise.reject(new SplitflowError('INVALID_REQUEST', { message: 'VAD samples must be a Float32Array at 16 kHz' }));
      return serial(async () => {
        const all = new Float32Array(pending.length + samples.length);
        all.set(pending, 0);
        all.set(samples, pending.length);
        const whole = Math.floor(all.length / VAD_FRAME_SAMPLES);
        pending = all.slice(whole * VAD_FRAME_SAMPLES);
        const out: VadFrame[] = [];
        for (let k = 0; k < whole; k++) out.push(await runFrame(all.subarray(k * VAD_FRAME_SAMPLES, (k + 1) * VAD_FRAME_SAMPLES)));
        return out;
      });
    },
    finish() {
      finished = true;
      return serial(async () => {
        if (pending.length > 0) await runFrame(pending);
        pending = new Float32Array(0);
        return speechSegments(
          frames.map((f) => f.probability),
          options.segments,
        );
      });
    },
    frames,
    routes() {
      // Silero VAD has no cut (its graph is one If node): its frames run on the device or in the cloud.
      const count = { local: 0, cloud: 0 };
      for (const f of frames) if (f.where !== 'split') count[f.where]++;
      return count;
    },
  };
}

export interface SpeechDetection {
  segments: SpeechSegment[];
  probabilities: number[];
  frames: VadFrame[];
  routes: Record<'local' | 'cloud', number>;
  durationMs: number;
}

/** Runs VAD over a whole recording (16 kHz mono) and returns its speech segments and every frame's route. */
export async function detectSpeech(client: SplitflowClient, samples: Float32Array, options: VadStreamOptions = {}): Promise<SpeechDetection> {
  const stream = createVadStream(client, options);
  await stream.push(samples);
  const segments = await stream.finish();
  return {
    segments,
    probabilities: stream.frames.map((f) => f.probability),
    frames: [...stream.frames],
    routes: stream.routes(),
    durationMs: (samples.length / VAD_SAMPLE_RATE) * 1000,
  };
}
