import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ModelManifest, validateCatalog } from '@splitflow/contract';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntimeHost } from './runtime-host.js';

// The real tfjs model of the catalog (nsfwjs MobileNetV2, a layers model), built by `npm run models`.
const models = resolve(import.meta.dirname, '../../../../models');
const built = existsSync(join(models, 'build/nsfw-mobilenet/model.json'));

describe('tfjs runtime adapter with nsfw-mobilenet', () => {
  let server: StaticServer;
  let manifest: ModelManifest;
  beforeAll(async () => {
    if (!built) throw new Error('models/build/nsfw-mobilenet is missing: run `npm run models` before the tests');
    server = await startStaticServer(join(models, 'build'));
    const catalog = validateCatalog(JSON.parse(await readFile(join(models, 'catalog.json'), 'utf8')));
    manifest = catalog.models.find((m) => m.id === 'nsfw-mobilenet') as ModelManifest;
  });
  afterAll(() => server?.close());

  it('gives the same probabilities as tfjs loading the model over HTTP itself, within 1e-4', async () => {
    const files = await Promise.all(
      manifest.files.map(async (f) => ({ path: f.path, role: f.role, bytes: new Uint8Array(await readFile(join(models, 'build', f.path))) })),
    );
    const host = createRuntimeHost();
    const loaded = await host.load({ key: 'nsfw', model: manifest.id, format: 'tfjs', files, outputs: ['dense_3'] }, { backends: ['tfjs-webgl', 'tfjs-cpu'] });
    expect(loaded.backend).toBe('tfjs-cpu');
    expect(loaded.skipped.map((s) => s.backend)).toEqual(['tfjs-webgl']);
    const pixels = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 2654435761) % 256) / 255);
    const reply = await host.run('nsfw', [{ name: 'input_1', datatype: 'FP32', shape: [1, 224, 224, 3], data: pixels.slice() }]);
    expect(reply.type).toBe('ok');
    if (reply.type !== 'ok') return;
    expect(reply.outputs[0]).toMatchObject({ name: 'dense_3', datatype: 'FP32', shape: [1, 5] });
    const got = Array.from(reply.outputs[0]?.data as Float32Array);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);

    const reference = await tf.loadLayersModel(`${server.url}nsfw-mobilenet/model.json`);
    const want = Array.from((await (reference.predict(tf.tensor(pixels, [1, 224, 224, 3])) as tf.Tensor).data()) as Float32Array);
    for (let i = 0; i < 5; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
    reference.dispose();
    await host.dispose();
  });
});
