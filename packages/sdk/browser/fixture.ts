import { basename, join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { type FixtureCatalog, writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import * as ort from 'onnxruntime-node';
import type { Outcome, PlainTensor } from './page.js';

// Shared by the specs: the fixture catalog (the worker's test models, written to the OS temp dir and
// served by the test page at /fixture/), the input, and onnxruntime-node's reference output for it.

export const X: PlainTensor = { datatype: 'FP32', shape: [3, 4], data: Array.from({ length: 12 }, (_, i) => Math.sin(i * 0.7) * 2) };

export interface Fixture extends FixtureCatalog {
  catalogUrl: string;
  reference: number[];
}

export async function makeFixture(): Promise<Fixture> {
  const fixture = await writeFixtureCatalog();
  const session = await ort.InferenceSession.create(join(fixture.dir, 'mlp.onnx'));
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(X.data), X.shape) });
  const reference = Array.from((out.y as ort.Tensor).data as Float32Array);
  await session.release();
  return { ...fixture, catalogUrl: `/fixture/${basename(fixture.dir)}/catalog.json`, reference };
}

export async function open(page: Page): Promise<void> {
  await page.goto('/');
  await page.waitForFunction(() => window.sdkReady === true);
  await page.evaluate(() => window.t.clearCache());
}

export function expectClose(got: number[] | undefined, want: number[]): void {
  expect(got?.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs((got?.[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
}

export function ok<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code}: ${o.error.message}`);
  return o.value;
}

export const clientOptions = (catalogUrl: string, extra: Record<string, unknown> = {}) => ({
  catalog: catalogUrl,
  wasmPaths: '/ort/',
  probe: { benchmarkMs: 5 },
  // This shared 2-core machine can measure under the catalog's 1 GFLOPS floor; these tests are not about it.
  policy: { minDeviceGflops: 0 },
  ...extra,
});
