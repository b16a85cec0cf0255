import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type ModelCatalog, type ModelFile, type ModelManifest, SplitflowError, validateCatalog } from '@splitflow/contract';
import { readCatalogFile } from '@splitflow/server-kit';
import type { WorkerConfig } from '../config.js';

/** A model the worker was asked to serve, and where its graph file should be. */
export interface ModelSource {
  manifest: ModelManifest;
  file: ModelFile;
  path: string;
}

function defaultModelDir(catalogPath: string): string {
  const beside = dirname(catalogPath);
  const build = join(beside, 'build');
  return existsSync(build) ? build : beside;
}

/** The graph file of an ONNX manifest: the one marked `model`, else the first `.onnx` file. */
function graphFile(manifest: ModelManifest): ModelFile | undefined {
  return manifest.files.find((f) => f.role === 'model') ?? manifest.files.find((f) => f.path.endsWith('.onnx'));
}

/**
 * Reads and validates the catalog and picks the models to serve: the ones named in `config.models`
 * (an unknown or non-ONNX id is a startup error), or by default every ONNX model except on-demand
 * ones whose files were never built.
 */
export async function loadModelSources(config: Pick<WorkerConfig, 'catalog' | 'modelDir' | 'models' | 'tails'>): Promise<ModelSource[]> {
  let catalog: ModelCatalog;
  let modelDir: string;
  if (typeof config.catalog === 'string') {
    const path = resolve(config.catalog);
    catalog = await readCatalogFile(path);
    modelDir = resolve(config.modelDir ?? defaultModelDir(path));
  } else {
    catalog = validateCatalog(config.catalog);
    if (config.modelDir === undefined) throw new SplitflowError('INVALID_DOCUMENT', { message: 'modelDir is required when the catalog is given as an object' });
    modelDir = resolve(config.modelDir);
  }
  const byId = new Map(catalog.models.map((m) => [m.id, m]));
  const sources: ModelSource[] = [];
  const tails = config.tails ?? [];
  for (const id of tails === 'all' ? [] : tails) {
    if (!byId.has(id)) throw new SplitflowError('INVALID_DOCUMENT', { message: `tails of "${id}" asked for, but it is not in the catalog` });
  }
  const tailWanted = (m: ModelManifest) => m.tailOf !== undefined && (tails === 'all' || tails.includes(m.tailOf.model));
  if (config.models !== undefined) {
    const ids = [...config.models, ...catalog.models.filter((m) => tailWanted(m) && !config.models?.includes(m.id)).map((m) => m.id)];
    for (const id of ids) {
      const manifest = byId.get(id);
      if (!manifest) throw new SplitflowError('INVALID_DOCUMENT', { message: `model "${id}" is not in the catalog; it has ${[...byId.keys()].join(', ')}` });
      const file = manifest.format === 'onnx' ? graphFile(manifest) : undefined;
      if (!file)
        throw new SplitflowError('INVALID_DOCUMENT', { message: `model "${id}" is ${manifest.format} with no ONNX graph; the worker serves ONNX models` });
      sources.push({ manifest, file, path: join(modelDir, file.path) });
    }
    return sources;
  }
  for (const manifest of catalog.models) {
    if (manifest.tailOf && !tailWanted(manifest)) continue;
    const file = manifest.format === 'onnx' ? graphFile(manifest) : undefined;
    if (!file) continue;
    const path = join(modelDir, file.path);
    if (manifest.onDemand && !existsSync(path)) continue;
    sources.push({ manifest, file, path });
  }
  return sources;
}
