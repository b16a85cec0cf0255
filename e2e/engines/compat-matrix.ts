import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENGINE_NAMES, type EngineName } from './engine.js';

// The compatibility matrix in packages/sdk/README.md: the cross-engine suites record what each engine
// did (recordCompat), the run writes it to MATRIX_FILE and into the README between the markers, and a
// unit test keeps the README equal to the file, so the table is always the last run's.

const ROOT = resolve(import.meta.dirname, '../..');
export const MATRIX_FILE = resolve(ROOT, 'packages/sdk/compat-matrix.json');
export const README_FILE = resolve(ROOT, 'packages/sdk/README.md');
export const BEGIN = '<!-- compat-matrix:begin (written by npm run test:browser; do not edit) -->';
export const END = '<!-- compat-matrix:end -->';

/** The table's rows, in order, with their labels. */
export const COMPAT_ROWS = Object.freeze({
  version: 'engine (driver)',
  crossOriginIsolated: 'crossOriginIsolated (COOP/COEP page)',
  sharedArrayBuffer: 'SharedArrayBuffer',
  wasmSimd: 'probe: wasm SIMD',
  wasmThreads: 'probe: wasm threads',
  webgpu: 'probe: WebGPU',
  webgpuOn: 'WebGPU switched on (flag / pref / feature): probe and local run',
  deviceMemory: 'probe: deviceMemory',
  connection: 'probe: network type (navigator.connection)',
  moduleWorker: 'module Worker',
  runtimeThread: 'local runtime runs on',
  cacheApi: 'Cache API (second load from cache)',
  localRun: 'local run (= onnxruntime-node)',
  cloudRun: 'cloud run (real worker)',
  fallback: 'fallback to local when the cloud is down',
  offline: 'offline: prefer-cloud stays local',
  quota: 'cache quota exceeded',
  fieldApp: 'field app: start, local + cloud run',
  integrity: 'field app: tampered model refused',
  download: 'field app: session export saved as a file',
  serviceWorkerOffline: 'field app with its origin unreachable (service worker)',
  webview: 'WebView profile (no COOP/COEP, localhost origin, memory budget)',
  fileOrigin: 'file: page (as shipped; with file access)',
  webviewHost: 'WebView host (examples/webview/host): app:// scheme, bridge, local + cloud run',
  webviewHostQuota: 'WebView host: 16 KiB origin quota while caching a model',
  webviewHostOffline: 'WebView host, no network route: prefer-cloud stays local',
});
export type CompatRow = keyof typeof COMPAT_ROWS;

/** Rows only one engine can fill (the WebView host is WebKitGTK's): the others read "n/a", not "not run". */
const ONE_ENGINE_ROWS: Readonly<Partial<Record<CompatRow, EngineName>>> = Object.freeze({
  webviewHost: 'webkit',
  webviewHostQuota: 'webkit',
  webviewHostOffline: 'webkit',
});
export type CompatMatrix = Partial<Record<EngineName, Partial<Record<CompatRow, string>>>>;

export function readMatrix(file = MATRIX_FILE): CompatMatrix {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CompatMatrix) : {};
}

/** Merges one engine's observed cells into the matrix file (the runner runs one test at a time). */
export function recordCompat(engine: EngineName, cells: Partial<Record<CompatRow, string>>, file = MATRIX_FILE): void {
  const matrix = readMatrix(file);
  matrix[engine] = { ...matrix[engine], ...cells };
  const ordered: CompatMatrix = {};
  for (const name of ENGINE_NAMES) {
    const row = matrix[name];
    if (row)
      ordered[name] = Object.fromEntries(Object.keys(COMPAT_ROWS).flatMap((k) => (k in row ? [[k, row[k as CompatRow]]] : []))) as Partial<
        Record<CompatRow, string>
      >;
  }
  writeFileSync(file, `${JSON.stringify(ordered, null, 2)}\n`);
}

const cellText = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');

const missingCell = (row: CompatRow, engine: EngineName) => {
  const only = ONE_ENGINE_ROWS[row];
  return only && only !== engine ? `n/a (${only} only)` : 'not run';
};

/** The markdown table: a row per fact, a column per engine; a fact not measured reads "not run". */
export function renderMatrix(matrix: CompatMatrix): string {
  const engines = ENGINE_NAMES.filter((e) => matrix[e]);
  const lines = [`| | ${engines.join(' | ')} |`, `|---|${engines.map(() => '---').join('|')}|`];
  for (const [key, label] of Object.entries(COMPAT_ROWS)) {
    lines.push(`| ${label} | ${engines.map((e) => cellText(matrix[e]?.[key as CompatRow] ?? missingCell(key as CompatRow, e))).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The README with the section between the markers replaced by the table. */
export function withMatrix(readme: string, table: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README has no "${BEGIN}" ... "${END}" section`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

/** The README section as it stands (for the staleness test). */
export function matrixInReadme(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README has no "${BEGIN}" ... "${END}" section`);
  return readme.slice(begin + BEGIN.length, end).trim();
}

export function writeMatrixIntoReadme(): void {
  const readme = readFileSync(README_FILE, 'utf8');
  const next = withMatrix(readme, renderMatrix(readMatrix()));
  if (next !== readme) writeFileSync(README_FILE, next);
}
