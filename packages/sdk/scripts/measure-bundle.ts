import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';

export interface BundleReport {
  /** Entry chunk plus every chunk it imports statically: what an app loads before any model runs. */
  coreChunks: string[];
  coreMinifiedBytes: number;
  coreGzipBytes: number;
  /**
   * Chunks loaded on demand (runtimes, the Worker), gzipped. A library build inlines assets, so the
   * runtime's .wasm shows up as a data URL; it is cut out here and counted in `inlinedAssetBytes`
   * (an app build emits it as a file: onnxruntime-web's is 14 MB, 28 MB with WebGPU, fetched on
   * first local use and then HTTP-cached).
   */
  lazy: { file: string; gzipBytes: number; inlinedAssetBytes: number; runtime: 'onnxruntime-web' | 'tfjs' | 'schema validator' | 'other' }[];
  /** Bytes of source per package inside the core (before minification), largest first. */
  corePackages: [string, number][];
  /** Rendered bytes per module inside the core, largest first. */
  coreModules: [string, number][];
  coreCode: string;
}

type Output = Rolldown.OutputChunk | Rolldown.OutputAsset;

const packageOf = (id: string) => {
  const nm = id.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = id.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] as string);
  }
  return /\/(packages\/[^/]+)\//.exec(id)?.[1] ?? id;
};

/** What a lazy chunk holds, by its modules' packages. */
function lazyKind(chunk: Rolldown.OutputChunk): BundleReport['lazy'][number]['runtime'] {
  const ids = Object.keys(chunk.modules);
  if (ids.some((id) => id.includes('/onnxruntime-web/')) || chunk.code.includes('onnxruntime')) return 'onnxruntime-web';
  if (ids.some((id) => id.includes('/@tensorflow/'))) return 'tfjs';
  if (ids.some((id) => id.includes('/@sinclair/typebox/'))) return 'schema validator';
  return 'other';
}

/** Builds the SDK as an app would bundle it (all dependencies included, minified) and sizes the core. */
export async function measureBundle(): Promise<BundleReport> {
  const result = (await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
    worker: { format: 'es' },
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      lib: { entry: resolve(import.meta.dirname, '../src/index.ts'), formats: ['es'], fileName: 'sdk' },
      // A library build leaves dependencies external by default; an app bundles them, so count them.
      rollupOptions: { external: [] },
    },
  })) as { output: Output[] } | { output: Output[] }[];
  const chunks = (Array.isArray(result) ? result.flatMap((r) => r.output) : result.output).filter((o): o is Rolldown.OutputChunk => o.type === 'chunk');
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const core = new Set<string>();
  const visit = (name: string) => {
    if (core.has(name)) return;
    core.add(name);
    for (const dep of byName.get(name)?.imports ?? []) visit(dep);
  };
  for (const c of chunks) if (c.isEntry) visit(c.fileName);
  const coreCode = [...core].map((n) => byName.get(n)?.code ?? '').join('\n');
  const packages = new Map<string, number>();
  const modules: [string, number][] = [];
  for (const name of core)
    for (const [id, m] of Object.entries(byName.get(name)?.modules ?? {})) {
      packages.set(packageOf(id), (packages.get(packageOf(id)) ?? 0) + m.renderedLength);
      modules.push([id, m.renderedLength]);
    }
  return {
    coreChunks: [...core],
    coreMinifiedBytes: coreCode.length,
    coreGzipBytes: gzipSync(coreCode).byteLength,
    lazy: chunks
      .filter((c) => !core.has(c.fileName))
      .map((c) => {
        const inlined = c.code.match(/data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+/g) ?? [];
        const code = inlined.reduce((text, uri) => text.replace(uri, ''), c.code);
        return {
          file: c.fileName,
          gzipBytes: gzipSync(code).byteLength,
          inlinedAssetBytes: inlined.reduce((n, uri) => n + Math.floor(((uri.length - uri.indexOf(',') - 1) * 3) / 4), 0),
          runtime: lazyKind(c),
        };
      }),
    corePackages: [...packages].sort((a, b) => b[1] - a[1]),
    coreModules: modules.sort((a, b) => b[1] - a[1]),
    coreCode,
  };
}
