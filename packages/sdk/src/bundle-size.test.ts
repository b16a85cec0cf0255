import { describe, expect, it } from 'vitest';
import { measureBundle } from '../scripts/measure-bundle.js';

/**
 * Size budget of the SDK's core: what an app downloads before any model runs (client, router,
 * probe, model store, cloud client, contract, ky, comlink), gzipped. The runtimes (onnxruntime-web,
 * tfjs) and the Worker are separate chunks loaded on first local use and do not count.
 * TypeBox's `Value` (catalog and policy validation through the contract) is the largest part of it;
 * precompiled validators would be the next saving.
 */
// The split route (its estimates, decision and run, with the contract's cut schema) is about 3 KiB of it.
const CORE_BUDGET_GZIP_BYTES = 52 * 1024;

describe('bundle', () => {
  it(`keeps the core under ${CORE_BUDGET_GZIP_BYTES / 1024} KiB gzipped, with both runtimes split out`, async () => {
    const report = await measureBundle();
    expect(report.coreGzipBytes).toBeLessThan(CORE_BUDGET_GZIP_BYTES);
    expect(report.coreCode).not.toContain('onnxruntime');
    expect(report.coreCode).not.toMatch(/tfjs-core|@tensorflow/);
    expect(report.lazy.map((c) => c.runtime)).toContain('onnxruntime-web');
    expect(report.lazy.map((c) => c.runtime)).toContain('tfjs');
  }, 120_000);
});
