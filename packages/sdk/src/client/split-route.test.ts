// The split route end to end in Node: the head in onnxruntime-web (main thread), the tail on a real
// worker over loopback, the real catalog's tiny model and its cut. Failures on either side.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelCatalog, parseCatalogJson, type Tensor } from '@splitflow/contract';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './create-client.js';
import type { ClientOptions, InferResult } from './types.js';

const MODELS = join(import.meta.dirname, '../../../../models');
const CATALOG = join(MODELS, 'catalog.json');
let catalog: ModelCatalog;
let files: StaticServer;
let worker: RunningWorker;

beforeAll(async () => {
  catalog = parseCatalogJson(readFileSync(CATALOG, 'utf8'), CATALOG);
  files = await startStaticServer(join(MODELS, 'build'));
  worker = await startWorker({ catalog: CATALOG, models: ['tiny'], tails: ['tiny'], logLevel: false });
}, 120_000);
afterAll(async () => {
  await files?.close();
  await worker?.close();
});

const cut = () => catalog.models.find((m) => m.id === 'tiny')?.cutPoints?.[0]?.name as string;
const features = (): Tensor => ({ datatype: 'FP32', shape: [3, 64], data: Float32Array.from({ length: 192 }, (_, i) => Math.sin(i * 0.7)) });
const options = (over: Partial<ClientOptions> = {}): ClientOptions => ({
  catalog,
  modelBaseUrl: files.url,
  broker: worker.url,
  worker: false,
  caches: createMemoryCacheStorage(),
  probe: { benchmarkMs: 2 },
  policy: { minDeviceGflops: 0 },
  ...over,
});

function expectClose(a: InferResult, b: InferResult, tolerance: number) {
  const p = a.outputs.logits?.data as Float32Array;
  const q = b.outputs.logits?.data as Float32Array;
  expect(p.length).toBe(48);
  for (let i = 0; i < p.length; i++) expect(Math.abs((p[i] as number) - (q[i] as number))).toBeLessThanOrEqual(tolerance);
}

describe('the split route (head here, tail on a real worker)', () => {
  it('gives the outputs of the local route within the tolerance of its encoding, and says what crossed', async () => {
    const client = await createClient(options());
    try {
      const local = await client.infer('tiny', { features: features() }, { mode: 'local-only' });
      const split = await client.infer('tiny', { features: features() }, { split: cut() });
      expect(split.route.where).toBe('split');
      expect(split.route.reason).toMatch(new RegExp(`split at ${cut()} \\(uint8\\) as asked`));
      expect(split.route.split).toMatchObject({ cut: cut(), encoding: 'uint8', tail: `tiny.${cut()}.uint8`, tailWhere: 'cloud' });
      // uint8 of a [3,128] hidden layer: 384 values and one scale and zero point.
      expect(split.route.split?.uploadBytes).toBe(384 + 4 + 1);
      expect(split.route.endpoint).toBe(worker.url);
      expect(split.route.fallback).toBeUndefined();
      const encoding = catalog.models.find((m) => m.id === 'tiny')?.cutPoints?.[0]?.encodings.find((e) => e.encoding === 'uint8');
      // The tolerance the catalog allowed the encoding on: 2% of the largest output.
      const scale = Math.max(...Array.from(local.outputs.logits?.data as Float32Array, Math.abs));
      expectClose(split, local, 0.02 * scale);
      expect(encoding?.allowed).toBe(true);
      // The head's run is learned under its own key, for the next estimate.
      expect(Object.keys(client.estimates().local)).toContain(`tiny/head:${cut()}`);
    } finally {
      await client.dispose();
    }
  });

  it('runs every allowed encoding of a cut in turn on one client, each within its tolerance, its tensors binary on the wire', async () => {
    const posts: { url: string; binary: boolean }[] = [];
    const spy: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === 'POST') posts.push({ url: request.url, binary: request.headers.has('inference-header-content-length') });
      return fetch(request);
    };
    const client = await createClient(options({ fetch: spy }));
    try {
      const local = await client.infer('tiny', { features: features() }, { mode: 'local-only' });
      const scale = Math.max(...Array.from(local.outputs.logits?.data as Float32Array, Math.abs));
      // Back to fp32 at the end: a head session made for one encoding must not answer for another.
      for (const encoding of ['fp32', 'fp16', 'uint8', 'fp32'] as const) {
        const split = await client.infer('tiny', { features: features() }, { split: { cut: cut(), encoding } });
        const tail = encoding === 'fp32' ? `tiny.${cut()}` : `tiny.${cut()}.${encoding}`;
        expect(split.route.split).toMatchObject({ cut: cut(), encoding, tail, tailWhere: 'cloud' });
        expect(split.route.fallback).toBeUndefined();
        expectClose(split, local, 0.02 * scale);
        // A [3,128] hidden layer is far under the JSON threshold, yet goes binary: its bytes are what the router weighed.
        expect(posts.at(-1)).toEqual({ url: `${worker.url}/v2/models/${encodeURIComponent(tail)}/infer`, binary: true });
      }
    } finally {
      await client.dispose();
    }
  });

  it('finishes the tail on the device when the pool is unreachable, and says so', async () => {
    const client = await createClient(options({ broker: 'http://127.0.0.1:9', cloud: { maxRetries: 0 } }));
    try {
      const local = await client.infer('tiny', { features: features() }, { mode: 'local-only' });
      const split = await client.infer('tiny', { features: features() }, { split: cut() });
      expect(split.route.where).toBe('split');
      expect(split.route.split).toMatchObject({ tailWhere: 'local' });
      expect(split.route.fallback?.from).toBe('split');
      expect(split.route.reason).toMatch(/the tail failed in the pool \(\w+\), finished on the device from the head's output/);
      const scale = Math.max(...Array.from(local.outputs.logits?.data as Float32Array, Math.abs));
      expectClose(split, local, 0.02 * scale);
    } finally {
      await client.dispose();
    }
  });

  it('does not finish a tail on the device that would not fit its memory budget: the pool failure stands, and says so', async () => {
    // tiny's head needs 35.5 KiB at batch 3, its uint8 tail 75.6 KiB: a 64 KiB page runs the head only.
    const client = await createClient(options({ broker: 'http://127.0.0.1:9', cloud: { maxRetries: 0 }, memoryBudgetBytes: 64 * 1024 }));
    try {
      const failed = await client.infer('tiny', { features: features() }, { split: cut() }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 'NETWORK' });
      expect(String((failed as Error).message)).toMatch(
        new RegExp(
          `the tail of tiny at ${cut()} failed in the pool \\(.*\\) and cannot finish here: tiny\\.${cut()}\\.uint8: model needs 0\\.1 MiB, over this page's 0\\.1 MiB memory budget`,
        ),
      );
    } finally {
      await client.dispose();
    }
  });

  it('sends the request whole to the cloud when the head fails, and not when privacy is no-raw-input', async () => {
    const head = catalog.models.find((m) => m.id === 'tiny')?.cutPoints?.[0]?.head.path as string;
    files.override(`/${head}`, new Uint8Array([1, 2, 3]));
    try {
      const client = await createClient(options());
      try {
        const cloud = await client.infer('tiny', { features: features() }, { split: cut() });
        expect(cloud.route.where).toBe('cloud');
        expect(cloud.route.fallback).toMatchObject({ from: 'split' });
        expect(cloud.route.reason).toMatch(/split failed \(MODEL_INTEGRITY\), fell back to cloud/);
        await expect(client.infer('tiny', { features: features() }, { split: cut(), privacy: 'no-raw-input' })).rejects.toMatchObject({
          code: 'MODEL_INTEGRITY',
        });
      } finally {
        await client.dispose();
      }
    } finally {
      files.override(`/${head}`, undefined);
    }
  });

  it('sizes each head against the memory budget on its own: a head that fits splits a model that does not, one that does not is no candidate', async () => {
    // tiny at batch 3: the whole model needs 108.1 KiB (weights and activations), its head 35.5 KiB.
    const reference = await createClient(options());
    const fits = await createClient(options({ memoryBudgetBytes: 64 * 1024 }));
    const tight = await createClient(options({ memoryBudgetBytes: 32 * 1024 }));
    try {
      const local = await reference.infer('tiny', { features: features() }, { mode: 'local-only' });
      const split = await fits.infer('tiny', { features: features() }, { privacy: 'no-raw-input' });
      expect(split.route.where).toBe('split');
      expect(split.route.reason).toMatch(/model needs 0\.1 MiB, over this page's 0\.1 MiB memory budget/);
      expect(split.route.estimates.split?.[0]?.blocked).toBeUndefined();
      expectClose(split, local, 0.02 * Math.max(...Array.from(local.outputs.logits?.data as Float32Array, Math.abs)));
      // Over the head's own need: no split, so no-raw-input has no route, and the error says why for each.
      const refused = await tight.infer('tiny', { features: features() }, { privacy: 'no-raw-input' }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'LOCAL_UNAVAILABLE' });
      expect(String((refused as Error).message)).toMatch(
        new RegExp(`split@${cut()} ruled out \\(head needs 0\\.0 MiB, over this page's 0\\.0 MiB memory budget\\)`),
      );
      // Auto sends it whole to the cloud, and the split's row says why it was no candidate.
      const cloud = await tight.infer('tiny', { features: features() });
      expect(cloud.route.where).toBe('cloud');
      expect(cloud.route.estimates.split?.[0]?.blocked).toMatch(/^head needs .* memory budget$/);
      expect(cloud.route.reason).toContain(`split@${cut()} ruled out (head needs`);
    } finally {
      await Promise.all([reference.dispose(), fits.dispose(), tight.dispose()]);
    }
  });
});
