import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';

/**
 * Size budget of the SDK's core: what an app downloads before any model runs (client, router,
 * probe, model store, cloud client, contract, ky, comlink), gzipped. The runtimes (onnxruntime-web,
 * tfjs) and the Worker are separate chunks loaded on first local use and do not count.
 * Measured 2026-11-24: 45.8 KiB, of which TypeBox's `Value` (catalog and policy validation through
 * the contract) is the largest part; precompiled validators would be the next saving.
 */
export const CORE_BUDGET_GZIP_BYTES = 48 * 1024;

type Output = Rolldown.OutputChunk | Rolldown.OutputAsset;

describe('bundle', () => {
  it(`keeps the core under ${CORE_BUDGET_GZIP_BYTES / 1024} KiB gzipped, with both runtimes split out`, async () => {
    const result = (await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
      worker: { format: 'es' },
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        lib: { entry: resolve(import.meta.dirname, 'index.ts'), formats: ['es'], fileName: 'sdk' },
        // A library build leaves dependencies external by default; an app bundles them, so count them.
        rollupOptions: { external: [] },
      },
    })) as { output: Output[] } | { output: Output[] }[];
    const output = (Array.isArray(result) ? result.flatMap((r) => r.output) : result.output).filter((o): o is Rolldown.OutputChunk => o.type === 'chunk');
    const entry = output.find((c) => c.isEntry) as Rolldown.OutputChunk;
    // The core is the entry plus everything it imports statically.
    const byName = new Map(output.map((c) => [c.fileName, c]));
    const core = new Set<string>();
    const visit = (name: string) => {
      if (core.has(name)) return;
      core.add(name);
      for (const dep of byName.get(name)?.imports ?? []) visit(dep);
    };
    visit(entry.fileName);
    const coreCode = [...core].map((n) => byName.get(n)?.code ?? '').join('\n');
    const gzip = gzipSync(coreCode).byteLength;
    if (process.env.SDK_BUNDLE_REPORT) {
      const sizes = [...core].flatMap((n) =>
        Object.entries(byName.get(n)?.modules ?? {}).map(([id, m]) => [m.renderedLength, id.replace(/.*node_modules\//, '')] as const),
      );
      const byPackage = new Map<string, number>();
      for (const [size, id] of sizes) {
        const key = id.startsWith('/')
          ? id.replace(/.*\/(packages\/[^/]+)\/.*/, '$1')
          : id
              .split('/')
              .slice(0, id.startsWith('@') ? 2 : 1)
              .join('/');
        byPackage.set(key, (byPackage.get(key) ?? 0) + size);
      }
      console.log([...byPackage].sort((a, b) => b[1] - a[1]));
    }
    console.log(`sdk core: ${core.size} chunk(s), ${coreCode.length} bytes minified, ${gzip} bytes gzipped (budget ${CORE_BUDGET_GZIP_BYTES})`);
    expect(gzip).toBeLessThan(CORE_BUDGET_GZIP_BYTES);
    expect(coreCode).not.toContain('onnxruntime');
    expect(coreCode).not.toMatch(/tfjs-core|@tensorflow/);
    // The runtimes are there, as lazily loaded chunks.
    const lazy = output.filter((c) => !core.has(c.fileName));
    expect(lazy.some((c) => c.code.includes('onnxruntime'))).toBe(true);
  }, 120_000);
});
