import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { silenceWav, speechWav } from '@splitflow/test-fixtures/speech';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/create-client.js';
import type { SplitflowClient } from '../../client/types.js';
import { resample, toMono } from '../audio/resample.js';
import { decodeWav } from '../audio/wav.js';
import { createVadStream, detectSpeech } from './vad-stream.js';

// Silero VAD v5 from the catalog on a sentence spoken by espeak-ng (made now, at 22.05 kHz, resampled
// here to 16 kHz) and on near-silence; locally in onnxruntime-web and on a real worker on loopback.
const MODELS = resolve(import.meta.dirname, '../../../../../models');
let files: StaticServer;
let worker: RunningWorker;
let client: SplitflowClient;
let speech: Float32Array;
const PAD_MS = 600;

beforeAll(async () => {
  files = await startStaticServer(resolve(MODELS, 'build'));
  worker = await startWorker({ catalog: resolve(MODELS, 'catalog.json'), modelDir: resolve(MODELS, 'build'), models: ['vad'] });
  client = await createClient({
    catalog: JSON.parse(await readFile(resolve(MODELS, 'catalog.json'), 'utf8')),
    modelBaseUrl: files.url,
    broker: worker.url,
    worker: false,
    caches: createMemoryCacheStorage(),
    probe: { benchmarkMs: 2 },
    policy: { minDeviceGflops: 0 },
  });
  // espeak-ng writes 22050 Hz; sox only pads it, so the resampling under test is ours.
  const recorded = decodeWav(speechWav('Split inference runs on the device.', { rate: 22050, padSeconds: PAD_MS / 1000 }));
  expect(recorded.sampleRate).toBe(22050);
  speech = resample(toMono(recorded.channels), recorded.sampleRate, 16000);
}, 120_000);
afterAll(async () => {
  await client?.dispose();
  await worker?.close();
  await files?.close();
});

describe('VAD stream on the real Silero v5 model', () => {
  it('finds one speech segment in a spoken sentence, starting after the leading silence and ending before the trailing one', async () => {
    const result = await detectSpeech(client, speech, { mode: 'local-only' });
    expect(result.routes).toEqual({ local: result.frames.length, cloud: 0 });
    expect(result.frames.length).toBe(Math.ceil(speech.length / 512));
    expect(result.segments).toHaveLength(1);
    const [segment] = result.segments;
    expect(segment?.startMs).toBeGreaterThan(PAD_MS - 150);
    expect(segment?.startMs).toBeLessThan(PAD_MS + 300);
    expect(segment?.endMs).toBeGreaterThan(result.durationMs - PAD_MS - 400);
    expect(segment?.endMs).toBeLessThan(result.durationMs - PAD_MS + 200);
  }, 120_000);

  it('finds nothing in silence', async () => {
    const quiet = decodeWav(silenceWav(2));
    const result = await detectSpeech(client, toMono(quiet.channels), { mode: 'local-only' });
    expect(result.segments).toEqual([]);
    expect(Math.max(...result.probabilities)).toBeLessThan(0.5);
  }, 120_000);

  it('carries the recurrent state across sides: frames alternating device and cloud give the device-only probabilities', async () => {
    const clip = speech.subarray(0, 512 * 40);
    const local = await detectSpeech(client, clip, { mode: 'local-only' });
    const mixed = await detectSpeech(client, clip, { frameOptions: (i) => ({ mode: i % 2 === 0 ? 'local-only' : 'cloud-only' }), frameBudgetMs: 5000 });
    expect(mixed.routes).toEqual({ local: 20, cloud: 20 });
    const worst = Math.max(...mixed.probabilities.map((p, i) => Math.abs(p - (local.probabilities[i] as number))));
    expect(worst).toBeLessThan(1e-4);
    // Without the carried state the same frames read differently: the check above can fail.
    const restarted = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        detectSpeech(client, clip.subarray(i * 512, (i + 1) * 512), { mode: 'local-only' }).then((r) => r.probabilities[0] as number),
      ),
    );
    expect(Math.max(...restarted.map((p, i) => Math.abs(p - (local.probabilities[i] as number))))).toBeGreaterThan(0.05);
  }, 120_000);

  it('takes samples in any chunking and gives the same frames as one push', async () => {
    const clip = speech.subarray(0, 512 * 12 + 100);
    const whole = await detectSpeech(client, clip, { mode: 'local-only' });
    const stream = createVadStream(client, { mode: 'local-only' });
    for (let at = 0; at < clip.length; at += 700) await stream.push(clip.slice(at, at + 700));
    await stream.finish();
    expect(stream.frames.map((f) => f.probability)).toEqual(whole.probabilities);
    await expect(stream.push(new Float32Array(10))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  }, 120_000);
});
