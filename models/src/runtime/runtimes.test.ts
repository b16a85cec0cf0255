// Every ONNX model of the default build runs in onnxruntime-node and in onnxruntime-web (wasm) and
// gives the same outputs, with the shapes its manifest declares.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { concreteShape, feedsFor, SMALL_DIMS } from '../testing/model-feeds.js';
import { BUILD_DIR, loadCatalog, readBuilt } from '../testing/paths.js';
import type { Feed } from './feeds.js';
import { type Outputs, runNode } from './ort-node.js';
import { runWeb } from './ort-web.js';

const catalog = loadCatalog();
// Tails take cut tensors, not the inputs feedsFor makes; src/split/split.test.ts runs them.
const onnxModels = catalog.models.filter((m) => m.format === 'onnx' && !m.onDemand && !m.tailOf);

/** Largest difference relative to max(1, |reference|) over every element of every output. */
function worstDifference(manifest: ModelManifest, reference: Outputs, other: Outputs): number {
  let worst = 0;
  for (const spec of manifest.outputs) {
    const x = reference[spec.name]?.data as Float32Array;
    const y = other[spec.name]?.data as Float32Array;
    if (!x || !y || x.length !== y.length) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] ?? 0) - (y[i] ?? Number.NaN)) / Math.max(1, Math.abs(x[i] ?? 0)));
  }
  return worst;
}

const variants = onnxModels.flatMap((m) => (m.variants ?? []).map((v) => [`${m.id} ${v.name}`, m, v.files[0]?.path ?? ''] as const));

describe('onnxruntime-node and onnxruntime-web agree', () => {
  it('covers every ONNX model of the default build', () => {
    expect(onnxModels.map((m) => m.id)).toEqual(['tiny', 'vision-s', 'text-m', 'ocr-det', 'ocr-rec', 'ocr-cls', 'vad']);
  });

  it.each(onnxModels.map((m) => [m.id, m] as const))('%s', async (_, manifest) => {
    const bytes = readBuilt(manifest.files.find((f) => f.role === 'model')?.path ?? '');
    const feeds = feedsFor(manifest, SMALL_DIMS);
    const node = await runNode(bytes, feeds);
    const web = await runWeb(bytes, feeds);
    for (const spec of manifest.outputs) {
      const a = node[spec.name];
      const b = web[spec.name];
      expect(a, `${manifest.id} node output ${spec.name}`).toBeDefined();
      expect(b?.dims).toEqual(a?.dims);
      // Dims bound by the inputs must agree with the manifest; output-only dims (`steps`) are free.
      spec.shape.forEach((d, axis) => {
        if (typeof d === 'number' || SMALL_DIMS[d] !== undefined) expect(a?.dims[axis], `${spec.name}[${axis}]`).toBe(concreteShape([d], SMALL_DIMS)[0]);
      });
      const x = Array.from(a?.data as Float32Array);
      expect(x.every(Number.isFinite)).toBe(true);
      expect(new Set(x.map((v) => v.toFixed(6))).size, 'outputs vary').toBeGreaterThan(1);
    }
    expect(worstDifference(manifest, node, web), manifest.id).toBeLessThanOrEqual(1e-4);
  });

  it.each(variants)('%s variant: same in both runtimes, close to the fp32 model', async (_, manifest, path) => {
    const feeds: Feed[] = feedsFor(manifest, { batch: 1 });
    const half = readBuilt(path);
    const node = await runNode(half, feeds);
    expect(worstDifference(manifest, node, await runWeb(half, feeds))).toBeLessThanOrEqual(1e-4);
    const full = await runNode(readBuilt(manifest.files[0]?.path ?? ''), feeds);
    expect(worstDifference(manifest, full, node)).toBeLessThanOrEqual(1e-2);
  });
});

describe('large (when built with --large)', () => {
  const large = catalog.models.find((m) => m.id === 'large');
  const path = large?.files[0]?.path ?? '';
  it.skipIf(!existsSync(join(BUILD_DIR, path)))('runs in onnxruntime-node with the declared output shape', async () => {
    const out = await runNode(readBuilt(path), feedsFor(large as ModelManifest, { batch: 3 }));
    expect(out.logits?.dims).toEqual([3, 64]);
    expect(Array.from(out.logits?.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});
