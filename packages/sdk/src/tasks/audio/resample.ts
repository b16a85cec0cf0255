import { SplitflowError } from '@splitflow/contract/core';

/** Averages channels into one (what a mono model hears from a stereo recording). */
export function toMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new SplitflowError('INVALID_REQUEST', { message: 'audio has no channels' });
  const length = channels[0]?.length ?? 0;
  if (channels.some((c) => c.length !== length)) throw new SplitflowError('INVALID_REQUEST', { message: 'audio channels differ in length' });
  if (channels.length === 1) return channels[0] as Float32Array;
  const out = new Float32Array(length);
  for (const c of channels) for (let i = 0; i < length; i++) out[i] = (out[i] as number) + (c[i] as number) / channels.length;
  return out;
}

const HALF_TAPS = 16;

/**
 * Band-limited resampling: a Hann-windowed sinc low-passed at the lower Nyquist frequency, so
 * downsampling 48 kHz to 16 kHz does not fold high frequencies into the speech band.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  for (const [name, rate] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const) {
    if (!(Number.isFinite(rate) && rate > 0)) throw new SplitflowError('INVALID_REQUEST', { message: `${name} must be a positive sample rate, got ${rate}` });
  }
  if (fromRate === toRate) return samples;
  const ratio = toRate / fromRate;
  const cutoff = Math.min(1, ratio);
  const length = Math.floor(samples.length * ratio);
  const out = new Float32Array(length);
  const reach = Math.ceil(HALF_TAPS / cutoff);
  for (let i = 0; i < length; i++) {
    const centre = i / ratio;
    const first = Math.max(0, Math.ceil(centre - reach));
    const last = Math.min(samples.length - 1, Math.floor(centre + reach));
    let acc = 0;
    let norm = 0;
    for (let j = first; j <= last; j++) {
      const d = j - centre;
      const x = d * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * d) / (reach + 1));
      const k = sinc * window;
      acc += (samples[j] as number) * k;
      norm += k;
    }
    out[i] = norm !== 0 ? acc / norm : 0;
  }
  return out;
}
