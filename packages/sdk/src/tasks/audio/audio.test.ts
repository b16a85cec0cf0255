import { isSplitflowError, type Tensor } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { resample, toMono } from './resample.js';
import { initialVadState, readVadOutputs, speechSegments, VAD_FRAME_SAMPLES, vadFrameInputs } from './silero-vad.js';
import { decodeWav } from './wav.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isSplitflowError(e) ? e.code : 'untyped';
  }
  return 'none';
};

function wav16(rate: number, channels: number, frames: (f: number, c: number) => number, length: number): Uint8Array {
  const bytes = new Uint8Array(44 + length * channels * 2);
  const v = new DataView(bytes.buffer);
  const put = (at: number, s: string) => {
    for (const [i, ch] of [...s].entries()) v.setUint8(at + i, ch.charCodeAt(0));
  };
  put(0, 'RIFF');
  v.setUint32(4, 36 + length * channels * 2, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, length * channels * 2, true);
  for (let f = 0; f < length; f++) for (let c = 0; c < channels; c++) v.setInt16(44 + (f * channels + c) * 2, Math.round(frames(f, c) * 32767), true);
  return bytes;
}

/** Strength of frequency `hz` in `x` (a single DFT bin). */
const power = (x: Float32Array, rate: number, hz: number) => {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += (x[i] as number) * Math.cos((2 * Math.PI * hz * i) / rate);
    im += (x[i] as number) * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return Math.hypot(re, im) / x.length;
};

describe('audio decoding and resampling', () => {
  it('decodes 16-bit PCM WAV per channel and averages channels to mono', () => {
    const audio = decodeWav(wav16(8000, 2, (f, c) => (c === 0 ? 0.5 : -0.25) * (f % 2 ? 1 : -1), 10));
    expect(audio.sampleRate).toBe(8000);
    expect(audio.channels).toHaveLength(2);
    expect(audio.channels[0]?.[1]).toBeCloseTo(0.5, 3);
    expect(audio.channels[1]?.[1]).toBeCloseTo(-0.25, 3);
    expect(toMono(audio.channels)[1]).toBeCloseTo(0.125, 3);
  });

  it('refuses what is not a WAV file, and formats it cannot read', () => {
    expect(codeOf(() => decodeWav(new TextEncoder().encode('not a wave file at all')))).toBe('INVALID_REQUEST');
    const odd = wav16(8000, 1, () => 0, 4);
    new DataView(odd.buffer).setUint16(20, 2, true); // ADPCM
    expect(codeOf(() => decodeWav(odd))).toBe('INVALID_REQUEST');
    expect(codeOf(() => toMono([]))).toBe('INVALID_REQUEST');
  });

  it('downsamples 48 kHz to 16 kHz keeping a 440 Hz tone and removing a 12 kHz one (no aliasing into 4 kHz)', () => {
    const rate = 48000;
    const x = Float32Array.from(
      { length: rate / 2 },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.5 * Math.sin((2 * Math.PI * 12000 * i) / rate),
    );
    const y = resample(x, rate, 16000);
    expect(y.length).toBe(8000);
    expect(power(y, 16000, 440)).toBeGreaterThan(0.2);
    // 12 kHz folds to 4 kHz without a low-pass filter.
    expect(power(y, 16000, 4000)).toBeLessThan(0.01);
    expect(codeOf(() => resample(x, 0, 16000))).toBe('INVALID_REQUEST');
  });
});

describe('Silero VAD frames and segments', () => {
  it('prepends the 64-sample context, pads a short last frame, and carries state and context to the next frame', () => {
    const carried = initialVadState();
    carried.context.fill(0.25);
    const frame = Float32Array.from({ length: VAD_FRAME_SAMPLES }, (_, i) => i / VAD_FRAME_SAMPLES);
    const inputs = vadFrameInputs(frame, carried);
    expect(inputs.input?.shape).toEqual([1, 576]);
    expect(((inputs.input as Tensor).data as Float32Array)[63]).toBe(0.25);
    expect(((inputs.input as Tensor).data as Float32Array)[64]).toBe(0);
    expect(inputs.state?.shape).toEqual([2, 1, 128]);
    expect(inputs.sr).toMatchObject({ datatype: 'INT64', shape: [] });
    const state = Float32Array.from({ length: 256 }, (_, i) => i);
    const read = readVadOutputs(
      { output: { datatype: 'FP32', shape: [1, 1], data: Float32Array.of(0.8) }, stateN: { datatype: 'FP32', shape: [2, 1, 128], data: state } },
      inputs.input as NonNullable<typeof inputs.input>,
    );
    expect(read.probability).toBeCloseTo(0.8);
    expect(read.next.state[255]).toBe(255);
    expect(read.next.context[63]).toBeCloseTo(511 / 512);
    const short = vadFrameInputs(new Float32Array(100).fill(1), initialVadState());
    expect(((short.input as Tensor).data as Float32Array)[64 + 99]).toBe(1);
    expect(((short.input as Tensor).data as Float32Array)[64 + 100]).toBe(0);
    expect(codeOf(() => vadFrameInputs(new Float32Array(600), initialVadState()))).toBe('INVALID_REQUEST');
  });

  it('turns probabilities into segments with hysteresis, dropping short bursts', () => {
    const ms = 32;
    const frames = (n: number, p: number) => Array.from({ length: n }, () => p);
    // 10 quiet, 20 speech with a 3-frame dip, 20 quiet, a 2-frame burst, 10 quiet.
    const probs = [
      ...frames(10, 0.05),
      ...frames(10, 0.9),
      ...frames(3, 0.2),
      ...frames(10, 0.9),
      ...frames(20, 0.05),
      ...frames(2, 0.95),
      ...frames(10, 0.05),
    ];
    const segments = speechSegments(probs);
    expect(segments).toEqual([{ startMs: 10 * ms, endMs: 33 * ms }]);
    expect(speechSegments(frames(50, 0.1))).toEqual([]);
  });
});
