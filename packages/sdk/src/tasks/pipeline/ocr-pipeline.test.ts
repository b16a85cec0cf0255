import { resolve } from 'node:path';
import { isSplitflowError } from '@splitflow/contract';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { renderText } from '@splitflow/test-fixtures/render-text';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/create-client.js';
import type { SplitflowClient } from '../../client/types.js';
import { createOcrPipeline } from './ocr-pipeline.js';
import { charAccuracy } from './text-accuracy.js';

// The real PP-OCRv4 models from the catalog, locally in onnxruntime-web (wasm, main thread) and in
// the cloud on a real worker on loopback, on text drawn in DejaVu Sans.
const MODELS = resolve(import.meta.dirname, '../../../../../models');
let files: StaticServer;
let worker: RunningWorker;
let client: SplitflowClient;

beforeAll(async () => {
  files = await startStaticServer(resolve(MODELS, 'build'));
  worker = await startWorker({ catalog: resolve(MODELS, 'catalog.json'), modelDir: resolve(MODELS, 'build'), models: ['ocr-det', 'ocr-cls', 'ocr-rec'] });
  const { readFile } = await import('node:fs/promises');
  const catalog = JSON.parse(await readFile(resolve(MODELS, 'catalog.json'), 'utf8'));
  client = await createClient({
    catalog,
    modelBaseUrl: files.url,
    broker: worker.url,
    worker: false,
    caches: createMemoryCacheStorage(),
    probe: { benchmarkMs: 2 },
    policy: { minDeviceGflops: 0 },
  });
}, 120_000);
afterAll(async () => {
  await client?.dispose();
  await worker?.close();
  await files?.close();
});

const page = () =>
  renderText(720, 300, [
    { text: 'Split inference', x: 30, y: 50, size: 36 },
    { text: 'Order 4711 ships 2026-12-01', x: 30, y: 140, size: 32 },
    { text: 'edge and cloud', x: 30, y: 230, size: 40 },
  ]);
const WANT = ['Split inference', 'Order 4711 ships 2026-12-01', 'edge and cloud'];

describe('OCR pipeline on real PP-OCRv4 models', () => {
  it('reads rendered lines exactly, every stage on the device', async () => {
    const result = await createOcrPipeline(client).run(page(), {
      latencyBudgetMs: 60_000,
      stages: { detect: { mode: 'local-only' }, orient: { mode: 'local-only' }, recognise: { mode: 'local-only' } },
    });
    expect(result.lines.map((l) => l.text)).toEqual(WANT);
    expect(result.stages.map((s) => [s.stage, s.where])).toEqual([
      ['detect', 'local'],
      ['orient', 'local'],
      ['recognise', 'local'],
    ]);
    // Lines come top to bottom, each box around its own line.
    const ys = result.lines.map((l) => l.box.y + l.box.height / 2);
    expect(ys[0]).toBeGreaterThan(20);
    expect(ys[0]).toBeLessThan(80);
    expect(ys[1]).toBeGreaterThan(110);
    expect(ys[1]).toBeLessThan(170);
    expect(ys[2]).toBeGreaterThan(200);
    for (const l of result.lines) expect(l.angle).toBe(0);
  }, 120_000);

  it('routes each stage on its own: detection on the device, recognition in the cloud, same text', async () => {
    const result = await createOcrPipeline(client).run(page(), {
      latencyBudgetMs: 60_000,
      stages: { detect: { mode: 'local-only' }, orient: { mode: 'cloud-only' }, recognise: { mode: 'cloud-only' } },
      recogniseBatch: 2,
    });
    expect(result.text).toBe(WANT.join('\n'));
    const [det, cls, rec] = result.stages;
    expect(det?.where).toBe('local');
    expect(det?.calls[0]?.route.backend).toBe('wasm');
    expect(cls?.where).toBe('cloud');
    expect(rec?.where).toBe('cloud');
    // Three lines in batches of two: two recognition calls, each in the cloud, three items in all.
    expect(rec?.calls.map((c) => c.items).sort()).toEqual([1, 2]);
    expect(rec?.calls.every((c) => c.route.hardware === 'cpu')).toBe(true);
    // The deadline is shared out: every stage but the last gets a part of what is left, the last all of it.
    const shares = result.stages.map((s) => s.budgetMs);
    for (const s of shares) expect(s).toBeLessThan(60_000);
    expect(shares[0]).toBeLessThan(60_000 - (shares[1] as number));
  }, 120_000);

  it('turns an upside-down line before recognising it', async () => {
    const image = renderText(560, 200, [
      { text: 'upright words', x: 30, y: 50, size: 36 },
      { text: 'turned over 42', x: 30, y: 140, size: 36, upsideDown: true },
    ]);
    const result = await createOcrPipeline(client).run(image, { latencyBudgetMs: 60_000, stages: { detect: { mode: 'local-only' } } });
    expect(result.lines.map((l) => l.angle)).toEqual([0, 180]);
    expect(result.lines.map((l) => l.text)).toEqual(['upright words', 'turned over 42']);
  }, 120_000);

  it('measures character accuracy on a denser page', async () => {
    const lines = ['The quick brown fox jumps', 'over the lazy dog 0123456789', 'Invoice No. 2026/118 total 93.40'];
    const image = renderText(
      820,
      260,
      lines.map((text, i) => ({ text, x: 24, y: 45 + i * 80, size: 30 })),
    );
    const result = await createOcrPipeline(client).run(image, {
      latencyBudgetMs: 60_000,
      stages: { detect: { mode: 'local-only' }, recognise: { mode: 'cloud-only' } },
    });
    expect(result.lines).toHaveLength(3);
    // PP-OCRv4's recogniser (trained mostly on Chinese) often drops the spaces between Latin words:
    // the symbols are held to a high bar, the text with its spaces to a lower one.
    const squeeze = (s: string) => s.replace(/\s+/g, '');
    expect(charAccuracy(squeeze(result.text), squeeze(lines.join(''))), `read:\n${result.text}`).toBeGreaterThanOrEqual(0.97);
    expect(charAccuracy(result.text, lines.join('\n')), `read:\n${result.text}`).toBeGreaterThanOrEqual(0.85);
  }, 120_000);

  it('finds no lines in a blank page, and refuses a broken image with a typed error', async () => {
    const blank = renderText(320, 160, []);
    const result = await createOcrPipeline(client).run(blank, { latencyBudgetMs: 60_000, stages: { detect: { mode: 'local-only' } } });
    expect(result.lines).toEqual([]);
    expect(result.stages.map((s) => s.stage)).toEqual(['detect']);
    const broken = createOcrPipeline(client).run({ width: 10, height: 10, data: new Uint8ClampedArray(12) });
    await expect(broken).rejects.toSatisfy((e: unknown) => isSplitflowError(e, 'INVALID_REQUEST'));
  }, 120_000);

  it('fetches the keys file through the model store, verified against the manifest, and names the aux files a model has', async () => {
    const keys = await client.auxFile('ocr-rec', 'ppocr_keys_v1.txt');
    const manifest = client.catalog.models.find((m) => m.id === 'ocr-rec');
    expect(keys.byteLength).toBe(manifest?.files.find((f) => f.role === 'aux')?.bytes);
    await expect(client.auxFile('ocr-det')).rejects.toSatisfy((e: unknown) => isSplitflowError(e, 'NOT_FOUND') && /has no aux file/.test((e as Error).message));
    files.override('/ocr-rec/ppocr_keys_v1.txt', new TextEncoder().encode('a\nb\n'));
    try {
      // A fresh store (the verified copy above sits in this client's cache): tampered bytes are refused.
      const other = await createClient({
        catalog: client.catalog,
        modelBaseUrl: files.url,
        worker: false,
        caches: createMemoryCacheStorage(),
        probe: { benchmarkMs: 2 },
      });
      await expect(other.auxFile('ocr-rec')).rejects.toSatisfy((e: unknown) => isSplitflowError(e, 'MODEL_INTEGRITY'));
      await other.dispose();
    } finally {
      files.override('/ocr-rec/ppocr_keys_v1.txt', undefined);
    }
  }, 60_000);
});
