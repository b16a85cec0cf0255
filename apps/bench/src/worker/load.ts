import autocannon from 'autocannon';
import { type LatencySummary, summarize } from './stats.js';

export interface LoadOptions {
  url: string;
  body: string | Buffer;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  /** Runs first and is thrown away (JIT, connection setup, onnxruntime's first runs). */
  warmupS?: number;
  /** Return every response's latency too (to merge runs of several load processes). */
  keepSamples?: boolean;
}

export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
  /** Per-response latency in ms at full resolution (autocannon's own histogram keeps whole ms only). */
  latency: LatencySummary;
  samplesMs?: number[];
}

function once(options: LoadOptions, durationS: number, record: boolean): Promise<LoadResult> {
  const samples: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        body: options.body,
        headers: options.headers,
        connections: options.connections,
        duration: durationS,
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          connections: options.connections,
          durationS,
          requests: result.requests.total,
          rps: result.requests.total / durationS,
          non2xx: result.non2xx,
          errors: result.errors,
          latency: summarize(samples),
          ...(options.keepSamples ? { samplesMs: samples } : {}),
        });
      },
    );
    if (record) instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => samples.push(responseTime));
  });
}

/** One autocannon run (after an optional warm-up run), with full-resolution latency percentiles. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupS) await once(options, options.warmupS, false);
  return once(options, options.durationS, true);
}
