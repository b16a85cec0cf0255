import type { ErrorCode } from './errors/codes.js';
import { SplitflowError } from './errors/splitflow-error.js';
import type { ModelCatalog } from './schema/catalog.js';
import type { CostTerm, ModelManifest } from './schema/manifest.js';
import type { PoolConfig } from './schema/pool.js';

// The rules JSON Schema cannot say, in plain code: they run after any structural check (TypeBox's or a precompiled one).

/** One reason a document failed validation: where (`inputs[0].shape[1]`) and which rule. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Throws SplitflowError with every issue (`details.issues`) and the first few in the message. */
export function throwIssues(what: string, issues: ValidationIssue[], code: ErrorCode): never {
  const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  throw new SplitflowError(code, {
    message: `invalid ${what}: ${shown.join('; ')}${more}`,
    details: { issues },
  });
}

const termDims = (terms: readonly CostTerm[]) => terms.flatMap((t) => Object.keys(t.dims));

/** Rules JSON Schema cannot say: names unique, cost dims bound by some input, bounds ordered. */
export function checkManifestSemantics(manifest: ModelManifest): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const dimNames = new Set(manifest.inputs.flatMap((t) => t.shape.filter((d): d is string => typeof d === 'string')));
  const unique = (names: string[], where: string) => {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) issues.push({ path: `${where}[${i}]`, message: `duplicate name "${n}"` });
      seen.add(n);
    });
  };
  unique(
    manifest.inputs.map((t) => t.name),
    'inputs',
  );
  unique(
    manifest.outputs.map((t) => t.name),
    'outputs',
  );
  unique(
    manifest.files.map((f) => f.path),
    'files',
  );
  const costTerms: [string, readonly CostTerm[]][] = [
    ['cost.flops', manifest.cost.flops],
    ['cost.activationBytes', manifest.cost.activationBytes],
  ];
  manifest.cutPoints?.forEach((c, i) => {
    costTerms.push(
      [`cutPoints[${i}].flopsBefore`, c.flopsBefore],
      [`cutPoints[${i}].flopsAfter`, c.flopsAfter],
      [`cutPoints[${i}].activationBytes`, c.activationBytes],
      [`cutPoints[${i}].headMemory.activationBytes`, c.headMemory?.activationBytes ?? []],
    );
    if (!c.encodings.some((e) => e.encoding === 'fp32' && e.allowed && e.tail)) {
      issues.push({ path: `cutPoints[${i}].encodings`, message: 'expected an allowed fp32 encoding with its tail model' });
    }
    c.encodings.forEach((e, j) => {
      if (e.allowed !== (e.tail !== undefined))
        issues.push({ path: `cutPoints[${i}].encodings[${j}]`, message: 'a tail model is named exactly when the encoding is allowed' });
    });
  });
  unique(
    (manifest.cutPoints ?? []).map((c) => c.name),
    'cutPoints',
  );
  for (const [path, terms] of costTerms) {
    for (const dim of termDims(terms)) {
      if (!dimNames.has(dim)) issues.push({ path, message: `dim "${dim}" is not a symbolic dim of any input` });
    }
  }
  if (manifest.batchDim !== undefined && !dimNames.has(manifest.batchDim)) {
    issues.push({ path: 'batchDim', message: `dim "${manifest.batchDim}" is not a symbolic dim of any input` });
  }
  for (const [name, bounds] of Object.entries(manifest.dimBounds ?? {})) {
    if (bounds.min > bounds.max) issues.push({ path: `dimBounds.${name}`, message: 'expected min <= max' });
  }
  return issues;
}

/** Rules across a catalog's models: ids unique, each manifest's own rules, tails that exist and match, policy names known models. */
export function checkCatalogSemantics(catalog: ModelCatalog): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  catalog.models.forEach((m, i) => {
    if (seen.has(m.id)) issues.push({ path: `models[${i}].id`, message: `duplicate model id "${m.id}"` });
    seen.add(m.id);
    for (const issue of checkManifestSemantics(m)) issues.push({ path: `models[${i}].${issue.path}`, message: issue.message });
  });
  catalog.models.forEach((m, i) => {
    m.cutPoints?.forEach((c, j) => {
      c.encodings.forEach((e, k) => {
        if (!e.tail) return;
        const tail = catalog.models.find((t) => t.id === e.tail);
        if (!tail || tail.tailOf?.model !== m.id || tail.tailOf.cut !== c.name || tail.tailOf.encoding !== e.encoding) {
          issues.push({
            path: `models[${i}].cutPoints[${j}].encodings[${k}].tail`,
            message: `no model "${e.tail}" in the catalog that is the ${e.encoding} tail of ${m.id} at ${c.name}`,
          });
        }
      });
    });
  });
  for (const id of Object.keys(catalog.policy?.models ?? {})) {
    if (!seen.has(id)) issues.push({ path: `policy.models.${id}`, message: `no model "${id}" in the catalog` });
  }
  return issues;
}

/** A pool lists endpoints, discovers them, or both; A records need a port. */
export function checkPoolSemantics(pool: PoolConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const dns = pool.discovery?.dns;
  if (pool.endpoints === undefined && dns === undefined && pool.discovery?.register !== true)
    issues.push({ path: 'endpoints', message: 'required unless discovery is set' });
  if (dns !== undefined && (dns.record ?? 'A') === 'A' && dns.port === undefined)
    issues.push({ path: 'discovery.dns.port', message: 'required for A records' });
  return issues;
}
