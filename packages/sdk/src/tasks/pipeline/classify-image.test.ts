import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { renderText } from '@splitflow/test-fixtures/render-text';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/create-client.js';
import type { SplitflowClient } from '../../client/types.js';
import { classifyImage } from './classify-image.js';

const MODELS = resolve(import.meta.dirname, '../../../../../models');
let files: StaticServer;
let client: SplitflowClient;

beforeAll(async () => {
  files = await startStaticServer(resolve(MODELS, 'build'));
  client = await createClient({
    catalog: JSON.parse(await readFile(resolve(MODELS, 'catalog.json'), 'utf8')),
    modelBaseUrl: files.url,
    worker: false,
    caches: createMemoryCacheStorage(),
    probe: { benchmarkMs: 2 },
    policy: { minDeviceGflops: 0 },
  });
}, 60_000);
afterAll(async () => {
  await client?.dispose();
  await files?.close();
});

describe('classifyImage on the real MobileNetV2 (tfjs)', () => {
  it('gives the top labels of a page of text, best first, with probabilities, and the route', async () => {
    const page = renderText(400, 300, [
      { text: 'Quarterly report', x: 20, y: 60, size: 34 },
      { text: 'page 3 of 12', x: 20, y: 160, size: 28 },
    ]);
    const result = await classifyImage(client, page, { k: 5, mode: 'local-only' });
    expect(result.labels.map((l) => l.label).sort()).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    const scores = result.labels.map((l) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    // A plain page of text is a safe picture.
    expect(['Neutral', 'Drawing']).toContain(result.labels[0]?.label);
    expect(result.stages[0]).toMatchObject({ stage: 'classify', model: 'nsfw-mobilenet', where: 'local' });
    expect(result.stages[0]?.calls[0]?.route.backend).toMatch(/^tfjs-/);
  }, 120_000);
});
