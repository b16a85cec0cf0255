// Browser adapters for sound: an audio file or a microphone recording to 16 kHz mono samples.
import { SplitflowError } from '@splitflow/contract/core';
import { resample, toMono } from '../audio/resample.js';
import { VAD_SAMPLE_RATE } from '../audio/silero-vad.js';

/** Decodes an audio file (WAV, MP3, Ogg, WebM ... whatever the browser reads) to 16 kHz mono. */
export async function audioFromBlob(blob: Blob, sampleRate = VAD_SAMPLE_RATE): Promise<Float32Array> {
  const Context = globalThis.AudioContext ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Context) throw new SplitflowError('LOCAL_UNAVAILABLE', { message: 'this browser has no Web Audio to decode sound with' });
  const context = new Context();
  try {
    const buffer = await context.decodeAudioData(await blob.arrayBuffer()).catch((error: unknown) => {
      throw new SplitflowError('INVALID_REQUEST', { message: `the file is not audio this browser can read (${blob.type || 'unknown type'})`, cause: error });
    });
    const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
    return resample(toMono(channels), buffer.sampleRate, sampleRate);
  } finally {
    void context.close();
  }
}

export interface Recording {
  /** Resolves with the recording as 16 kHz mono once `stop()` is called (or `maxMs` passes). */
  done: Promise<{ samples: Float32Array; blob: Blob }>;
  stop(): void;
}

/**
 * Records the microphone with MediaRecorder until `stop()` or `maxMs`, then decodes it to 16 kHz mono.
 * `onProgress` hears the milliseconds recorded so far, about four times a second.
 */
export async function recordMicrophone(maxMs = 10_000, onProgress?: (recordedMs: number) => void): Promise<Recording> {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder !== 'function') {
    throw new SplitflowError('LOCAL_UNAVAILABLE', { message: 'this browser cannot record the microphone (getUserMedia, MediaRecorder)' });
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false }, video: false });
  } catch (error) {
    throw new SplitflowError('FORBIDDEN', {
      message: `the microphone could not be opened: ${(error as Error).name}: ${(error as Error).message}`,
      cause: error,
    });
  }
  const recorder = new MediaRecorder(stream);
  const chunks: Blob[] = [];
  let startedAt = 0;
  recorder.addEventListener('start', () => {
    startedAt = performance.now();
  });
  recorder.addEventListener('dataavailable', (e) => {
    if (e.data.size > 0) chunks.push(e.data);
    onProgress?.(performance.now() - startedAt);
  });
  const stopped = new Promise<void>((ok) => recorder.addEventListener('stop', () => ok(), { once: true }));
  recorder.start(250);
  const timer = setTimeout(() => stop(), maxMs);
  const stop = () => {
    clearTimeout(timer);
    if (recorder.state !== 'inactive') recorder.stop();
    for (const track of stream.getTracks()) track.stop();
  };
  const done = stopped.then(async () => {
    const blob = new Blob(chunks, { type: recorder.mimeType || 'audio/webm' });
    return { samples: await audioFromBlob(blob), blob };
  });
  return { done, stop };
}
