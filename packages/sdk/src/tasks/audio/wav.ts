import { SplitflowError } from '@splitflow/contract/core';

export interface DecodedAudio {
  sampleRate: number;
  /** One array per channel, values in -1..1. */
  channels: Float32Array[];
}

const bad = (message: string) => new SplitflowError('INVALID_REQUEST', { message: `not a readable WAV file: ${message}` });

/** Decodes a RIFF/WAVE file of PCM (8, 16, 24 or 32 bit) or IEEE float (32 bit) samples. */
export function decodeWav(bytes: Uint8Array): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw bad('no RIFF/WAVE header');
  let format: { code: number; channels: number; sampleRate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw bad('short fmt chunk');
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code in its sub-format GUID.
      if (code === 0xfffe && size >= 26) code = view.getUint16(body + 24, true);
      format = { code, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!format) throw bad('data before fmt');
      const { code, channels, sampleRate, bits } = format;
      if (channels < 1 || sampleRate < 1) throw bad(`${channels} channels at ${sampleRate} Hz`);
      const width = bits / 8;
      const readers: Record<string, (p: number) => number> = {
        '1:8': (p) => ((bytes[p] as number) - 128) / 128,
        '1:16': (p) => view.getInt16(p, true) / 32768,
        '1:24': (p) => ((view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) as number) / 8388608,
        '1:32': (p) => view.getInt32(p, true) / 2147483648,
        '3:32': (p) => view.getFloat32(p, true),
      };
      const read = readers[`${code}:${bits}`];
      if (!read) throw bad(`format ${code} with ${bits} bits is not supported (PCM 8/16/24/32 or float 32)`);
      const available = Math.min(size, bytes.length - body);
      const frames = Math.floor(available / (width * channels));
      const out = Array.from({ length: channels }, () => new Float32Array(frames));
      for (let f = 0; f < frames; f++) {
        for (let c = 0; c < channels; c++) (out[c] as Float32Array)[f] = read(body + (f * channels + c) * width);
      }
      return { sampleRate, channels: out };
    }
    at = body + size + (size % 2);
  }
  throw bad('no data chunk');
}
