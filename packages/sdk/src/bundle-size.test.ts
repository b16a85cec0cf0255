import { describe, expect, it } from 'vitest';
import { measureBundle } from '../scripts/measure-bundle.js';

/**
 * Size budget of the SDK's core: what an app downloads before any model runs (client, router,
 * probe, model store, cloud client, the contract's core), gzipped. The runtimes (onnxruntime-web,
 * tfjs), the Worker and its plumbing (comlink) load on first local use, and the schema validator
 * (TypeBox) only to explain an invalid catalog or policy: none of them counts. The target is
 * 30 KB; the figure is in apps/bench/results/sdk-first-result.md.
 */
const CORE_BUDGET_GZIP_BYTES = 30 * 1024;

describe('bundle', () => {
  it(`keeps the core under ${CORE_BUDGET_GZIP_BYTES / 1024} KiB gzipped, with both runtimes split out`, async () => {
    const report = await measureBundle();
    expect(report.coreGzipBytes).toBeLessThan(CORE_BUDGET_GZIP_BYTES);
    expect(report.coreCode).not.toContain('onnxruntime');
    expect(report.coreCode).not.toMatch(/tfjs-core|@tensorflow/);
    expect(report.corePackages.map(([name]) => name)).not.toContain('@sinclair/typebox');
    expect(report.corePackages.map(([name]) => name)).not.toContain('comlink');
    expect(report.lazy.map((c) => c.runtime)).toContain('schema validator');
    expect(report.lazy.map((c) => c.runtime)).toContain('onnxruntime-web');
    expect(report.lazy.map((c) => c.runtime)).toContain('tfjs');
  }, 120_000);
});
