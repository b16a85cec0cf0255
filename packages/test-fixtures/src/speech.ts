// Test recordings made at test time: espeak-ng speaks, sox resamples (scripts/ensure-media.sh installs both).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A WAV file of `text` spoken by espeak-ng with `padSeconds` of silence either side, at `rate` Hz mono 16-bit. */
export function speechWav(text: string, options: { rate?: number; padSeconds?: number } = {}): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-speech-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'out.wav');
    execFileSync('espeak-ng', ['-w', raw, text]);
    const pad = String(options.padSeconds ?? 0.5);
    execFileSync('sox', [raw, '-r', String(options.rate ?? 16000), '-c', '1', '-b', '16', out, 'pad', pad, pad]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A WAV file of silence (digital zero plus faint noise, as a quiet room gives), made by sox. */
export function silenceWav(seconds: number, rate = 16000): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-silence-'));
  try {
    const out = join(dir, 'silence.wav');
    execFileSync('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', out, 'synth', String(seconds), 'whitenoise', 'vol', '0.002']);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
