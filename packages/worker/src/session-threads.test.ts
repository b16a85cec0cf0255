import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { encodeInferRequest, isSplitflowError, LOAD_HEADERS, type ModelManifest, type NamedTensor } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { buildWorker, rowFlopsAtMostDims, SMALL_MODEL_MFLOP } from './build-worker.js';
import type { WorkerConfig } from './config.js';
import type { ModelSession } from './session/model-session.js';
import { forTransfer } from './session/session-protocol.js';
import { createThreadedSessionFactory } from './session/session-thread.js';

// onnxruntime-node runs a session synchronously on the calling thread. These tests show what a thread
// per session buys (the event loop keeps answering while a model runs; instances really run at once)
// and check each claim against the main-thread mode, where it must not hold.

const images = (rows: number, seed: number): NamedTensor => ({
  name: 'image',
  datatype: 'FP32',
  shape: [rows, 3, 224, 224],
  data: Float32Array.from({ length: rows * 3 * 224 * 224 }, (_, i) => Math.sin(seed + i / 97)),
});

async function post(base: string, model: string, inputs: NamedTensor[]): Promise<{ queueUs: number; computeUs: number }> {
  const encoded = encodeInferRequest({ inputs, binary: true, binaryOutputs: true });
  const res = await fetch(`${base}/v2/models/${model}/infer`, { method: 'POST', headers: encoded.headers, body: Buffer.from(encoded.body as Uint8Array) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return { queueUs: Number(res.headers.get(LOAD_HEADERS.queueUs)), computeUs: Number(res.headers.get(LOAD_HEADERS.computeUs)) };
}

async function tinyBytes(): Promise<Uint8Array> {
  const catalog = JSON.parse(await readFile(CATALOG_PATH, 'utf8')) as { models: { id: string; files: { path: string }[] }[] };
  const file = catalog.models.find((m) => m.id === 'tiny')?.files[0]?.path as string;
  return readFile(join(CATALOG_PATH, '..', 'build', file));
}

/**
 * Sends one slow vision-s request (16 images) and, while it runs, tiny requests one after another.
 * Returns the slow run's compute time and the longest stretch in which no tiny request was answered.
 */
async function tinyWhileVisionRuns(app: FastifyInstance): Promise<{ computeMs: number; longestGapMs: number; tinyAnswered: number }> {
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const row: NamedTensor = { name: 'features', datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).fill(0.25) };
  await post(base, 'vision-s', [images(1, 0)]); // warm both sessions
  await post(base, 'tiny', [row]);
  let done = false;
  const slow = post(base, 'vision-s', [images(16, 1)]).finally(() => {
    done = true;
  });
  const startedAt = performance.now();
  let last = startedAt;
  let longestGapMs = 0;
  let tinyAnswered = 0;
  while (!done) {
    await post(base, 'tiny', [{ ...row, data: new Float32Array(64).fill(0.25) }]);
    const now = performance.now();
    if (!done) tinyAnswered++;
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
  }
  const { computeUs } = await slow;
  return { computeMs: computeUs / 1000, longestGapMs, tinyAnswered };
}

/**
 * Sends one slow vision-s request (16 images), waits until the worker has taken it out of its queue
 * (in flight, queue empty: the run is under way, since the route goes from counting it to queueing it
 * without yielding), then sends one quick request of `quick` and returns the order the two answers
 * arrived in. Only for threads: on the main thread the run blocks the /metrics answer this waits for.
 */
async function quickDuringVisionRun(app: FastifyInstance, quick: { model: string; inputs: NamedTensor[] }): Promise<string[]> {
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  await post(base, 'vision-s', [images(1, 0)]); // warm the sessions
  await post(base, quick.model, quick.inputs);
  const order: string[] = [];
  const slow = post(base, 'vision-s', [images(16, 1)]).then(() => order.push('slow'));
  await vi.waitFor(
    async () => {
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const running = /^splitflow_worker_in_flight 1$/m.test(metrics) && /^splitflow_worker_queue_depth\{model="vision-s"\} 0$/m.test(metrics);
      if (!running) throw new Error('the vision-s run has not started');
    },
    { timeout: 30_000, interval: 5 },
  );
  await post(base, quick.model, quick.inputs).then(() => order.push('quick'));
  await slow;
  return order;
}

const tinyRow = (): NamedTensor[] => [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).fill(0.25) }];

describe('sessions in threads', () => {
  it('the worker answers a tiny request while a slow vision-s run is in progress; on the main thread it cannot', async () => {
    const threaded = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'], intraOpThreads: 1 });
    try {
      // Threads: the run leaves the event loop free, and tiny needs a millisecond against its hundreds.
      expect(await quickDuringVisionRun(threaded, { model: 'tiny', inputs: tinyRow() })).toEqual(['quick', 'slow']);
    } finally {
      await threaded.close();
    }
    const main = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'], intraOpThreads: 1, mainThreadRuns: true });
    let onMain: Awaited<ReturnType<typeof tinyWhileVisionRuns>>;
    try {
      onMain = await tinyWhileVisionRuns(main);
    } finally {
      await main.close();
    }
    // Main thread: the run holds the event loop, so one stretch without answers spans the whole run.
    expect(onMain.longestGapMs).toBeGreaterThan(onMain.computeMs * 0.8);
  }, 60_000);

  it('two instances of one model run at once: a small request started during a long run of the other instance is answered first; with one instance it waits its turn', async () => {
    const order = async (instances: number) => {
      const app = await buildWorker({ catalog: CATALOG_PATH, models: ['vision-s'], intraOpThreads: 1, batching: { maxBatch: 1, instances } });
      try {
        // One image against the run's sixteen, on an instance of its own: done first unless it queued.
        return await quickDuringVisionRun(app, { model: 'vision-s', inputs: [images(1, 2)] });
      } finally {
        await app.close();
      }
    };
    expect(await order(2)).toEqual(['quick', 'slow']);
    expect(await order(1)).toEqual(['slow', 'quick']);
  }, 90_000);

  it("a run onnxruntime refuses for its input's shape comes back from the thread as INPUT_REJECTED; a released session refuses runs", async () => {
    const bytes = await tinyBytes();
    const session = await createThreadedSessionFactory({ provider: 'cpu', intraOpThreads: 1 }).create(bytes);
    expect(session.inputNames).toEqual(['features']);
    const wrong: NamedTensor = { name: 'features', datatype: 'FP32', shape: [1, 63], data: new Float32Array(63) };
    const error = await session.run([wrong]).catch((e: unknown) => e);
    expect(isSplitflowError(error, 'INPUT_REJECTED')).toBe(true);
    expect((error as Error).message).toMatch(/the model refused the input values: .*features/);
    const good = await session.run([{ name: 'features', datatype: 'FP32', shape: [2, 64], data: new Float32Array(128).fill(1) }]);
    expect(good[0]?.shape).toEqual([2, 16]);
    expect(good[0]?.data).toBeInstanceOf(Float32Array);
    await session.release();
    const afterRelease = await session.run([wrong]).catch((e: unknown) => e);
    expect(isSplitflowError(afterRelease, 'INFERENCE_FAILED')).toBe(true);
  });
});

describe('a shared session thread (as GPU providers use)', () => {
  it('holds several sessions, answers each, and starts afresh after the last is released', async () => {
    const bytes = await tinyBytes();
    const factory = createThreadedSessionFactory({ provider: 'cpu', intraOpThreads: 1 }, { shareThread: true });
    const [a, b] = await Promise.all([factory.create(bytes), factory.create(bytes)]);
    const input = (v: number): NamedTensor[] => [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).fill(v) }];
    const [ra, rb] = await Promise.all([(a as ModelSession).run(input(1)), (b as ModelSession).run(input(1))]);
    expect(ra?.[0]?.data).toEqual(rb?.[0]?.data);
    await (a as ModelSession).release();
    expect((await (b as ModelSession).run(input(2)))[0]?.shape).toEqual([1, 16]);
    await (b as ModelSession).release();
    const c = await factory.create(bytes);
    expect((await c.run(input(1)))[0]?.data).toEqual(ra?.[0]?.data);
    await c.release();
  });
});

describe('forTransfer', () => {
  it('moves a tensor that covers its buffer and copies a view into a larger one, leaving it whole', async () => {
    // A Buffer, as request bodies are: Buffer#slice shares memory, so a careless copy would detach the body.
    const body = Buffer.from(new Uint8Array(64).map((_, i) => i));
    const view: NamedTensor = { name: 'a', datatype: 'UINT8', shape: [8], data: body.subarray(8, 16) };
    const own: NamedTensor = { name: 'b', datatype: 'FP32', shape: [4], data: Float32Array.of(1, 2, 3, 4) };
    const text: NamedTensor = { name: 'c', datatype: 'BYTES', shape: [1], data: [new Uint8Array([104, 105])] };
    const { tensors, transfer } = forTransfer([view, own, text]);
    expect(transfer).toHaveLength(2);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<NamedTensor[]>((resolve) => port2.once('message', resolve));
    port1.postMessage(tensors, transfer);
    const [a, b, c] = await received;
    port1.close();
    expect([...((a as NamedTensor).data as Uint8Array)]).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect([...((b as NamedTensor).data as Float32Array)]).toEqual([1, 2, 3, 4]);
    expect(c?.data).toEqual([new Uint8Array([104, 105])]);
    expect([...body.subarray(0, 10)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // the body it was cut from is intact
    expect((own.data as Float32Array).byteLength).toBe(0); // moved, not copied
  });
});

describe('intra-op threads by model size', () => {
  it('gives small models one intra-op thread on the main thread, the rest the configured count in threads of their own; smallModelThreads false turns it off', async () => {
    const catalog = JSON.parse(await readFile(CATALOG_PATH, 'utf8')) as { models: ModelManifest[] };
    const manifest = (id: string) => catalog.models.find((m) => m.id === id) as ModelManifest;
    expect(rowFlopsAtMostDims(manifest('tiny'))).toBe(53_504);
    expect(rowFlopsAtMostDims(manifest('text-m'))).toBeGreaterThan(SMALL_MODEL_MFLOP * 1e6); // seq up to 512
    const threadsOf = async (config: Partial<WorkerConfig>) => {
      const app = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'], intraOpThreads: 2, ...config });
      try {
        const of = async (id: string) => {
          const { properties } = (await app.inject({ url: `/v2/models/${id}` })).json() as { properties: Record<string, string> };
          return `${properties.intra_op_threads ?? '-'}/${properties.session_thread ?? 'own'}`;
        };
        return [await of('tiny'), await of('vision-s')];
      } finally {
        await app.close();
      }
    };
    expect(await threadsOf({})).toEqual(['1/main', '-/own']);
    expect(await threadsOf({ smallModelThreads: false })).toEqual(['-/own', '-/own']);
  });
});
