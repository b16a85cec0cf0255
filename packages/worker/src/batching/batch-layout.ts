import type { ModelManifest, NamedTensor } from '@splitflow/contract';

/**
 * Where the batch dim sits in each input and output of a model. Present only when every input and
 * every output has the manifest's `batchDim` exactly once; otherwise requests cannot be merged.
 */
export interface BatchLayout {
  dim: string;
  inputAxes: ReadonlyMap<string, number>;
  outputAxes: ReadonlyMap<string, number>;
}

function axesOf(specs: ModelManifest['inputs'], dim: string): Map<string, number> | undefined {
  const axes = new Map<string, number>();
  for (const spec of specs) {
    const found = spec.shape.flatMap((d, i) => (d === dim ? [i] : []));
    if (found.length !== 1) return undefined;
    axes.set(spec.name, found[0] as number);
  }
  return axes;
}

export function batchLayoutOf(manifest: ModelManifest): BatchLayout | undefined {
  const dim = manifest.batchDim;
  if (dim === undefined) return undefined;
  const inputAxes = axesOf(manifest.inputs, dim);
  const outputAxes = axesOf(manifest.outputs, dim);
  if (!inputAxes || !outputAxes) return undefined;
  return { dim, inputAxes, outputAxes };
}

/** Rows a request brings (its size along the batch dim). */
export function rowsOf(layout: BatchLayout, inputs: readonly NamedTensor[]): number {
  const first = inputs[0];
  if (!first) return 0;
  return first.shape[layout.inputAxes.get(first.name) ?? 0] ?? 0;
}

/** Requests can share a run only when all their dims but the batch dim agree (and datatypes, checked upstream). */
export function mergeKey(layout: BatchLayout, inputs: readonly NamedTensor[]): string {
  return inputs.map((t) => t.shape.map((d, i) => (i === layout.inputAxes.get(t.name) ? '*' : d)).join(',')).join(';');
}
