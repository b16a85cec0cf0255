// Builds the model catalog: writes model files under models/build/<id>/ and the manifests, computed
// from those files, to models/catalog.json.
//
//   npm run models                      default build (everything but on-demand models' files)
//   npm run models -- --large           also write `large` (286 MB)
//   npm run models -- --only large      build just these ids; print their manifests, leave catalog.json
//   npm run catalog                     print catalog.json as a table
//   options: --out <dir> (default models/build), --catalog <file> (default models/catalog.json),
//            --fresh (measure every cut's encodings again, not only those whose bytes changed)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ModelCatalog, validateCatalog } from '@splitflow/contract';
import { buildCatalog, catalogJson } from './src/catalog/catalog.js';
import type { CatalogEntry } from './src/catalog/entry.js';
import { formatCatalog } from './src/catalog/print.js';
import { generatedEntries } from './src/generated/entries.js';

const here = dirname(fileURLToPath(import.meta.url));

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The real models need onnxruntime-node and the npm packages; loaded only when asked for. */
async function realEntries(): Promise<CatalogEntry[]> {
  const [{ realOnnxEntries }, { nsfwEntry }] = await Promise.all([import('./src/real/onnx-models.js'), import('./src/real/nsfw.js')]);
  return [...realOnnxEntries(here), nsfwEntry(here)];
}

/** The committed manifests, whose measured cut encodings are reused where the bytes are unchanged. */
function previousModels(path: string): ModelCatalog['models'] {
  try {
    return validateCatalog(JSON.parse(readFileSync(path, 'utf8'))).models;
  } catch {
    return [];
  }
}

async function main(args: string[]): Promise<void> {
  const catalogPath = resolve(option(args, '--catalog') ?? join(here, 'catalog.json'));
  if (args.includes('--print')) {
    console.log(formatCatalog(validateCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')))));
    return;
  }
  const outDir = resolve(option(args, '--out') ?? join(here, 'build'));
  const only = option(args, '--only')?.split(',');
  const generated = generatedEntries();
  const needsReal = !only || only.some((id) => !generated.some((e) => e.id === id));
  const entries = [...generated, ...(needsReal ? await realEntries() : [])];
  const log = (line: string) => console.error(line);
  if (only) {
    const unknown = only.filter((id) => !entries.some((e) => e.id === id));
    if (unknown.length > 0) throw new Error(`unknown model id ${unknown.join(', ')}; known: ${entries.map((e) => e.id).join(', ')}`);
    const catalog = await buildCatalog(
      entries.filter((e) => only.includes(e.id)),
      { outDir, onDemand: true, log },
    );
    console.log(JSON.stringify(catalog.models, null, 2));
    return;
  }
  const started = performance.now();
  const catalog = await buildCatalog(entries, {
    outDir,
    onDemand: args.includes('--large'),
    log,
    previous: args.includes('--fresh') ? [] : previousModels(catalogPath),
  });
  writeFileSync(catalogPath, catalogJson(catalog));
  log(`wrote ${catalog.models.length} manifests to ${catalogPath} and files to ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
