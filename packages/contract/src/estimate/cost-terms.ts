import { SplitflowError } from '../errors/splitflow-error.js';
import type { CostTerm, ModelManifest, TensorSpec } from '../schema/manifest.js';

/** Values of a model's symbolic dims for one request, e.g. `{ batch: 8, seq: 128 }`. */
export type DimBinding = Record<string, number>;

/** Σ coefficient × Π dim^exponent. A dim missing from the binding is an error, never a silent 1. */
export function evalTerms(terms: readonly CostTerm[], dims: DimBinding): number {
  let total = 0;
  for (const term of terms) {
    let value = term.coefficient;
    for (const [name, exponent] of Object.entries(term.dims)) {
      const size = dims[name];
      if (size === undefined) throw new SplitflowError('INVALID_REQUEST', { message: `cost term needs dim "${name}", which is not bound` });
      value *= size ** exponent;
    }
    total += value;
  }
  return total;
}

/**
 * The size of a dim for one request: bound by the inputs, or derived from a bound dim by its name
 * (`width_8` is width / 8; a model's own rounding may differ by one step). NaN when neither (an
 * output-only dim, which the catalog's build refuses). Only `<dim>_<divisor>` is read, as the cut
 * search names a dim that shrinks; multiplied dims (`width_x2`) and bases that hold an
 * underscore count as unknown.
 */
export function dimSize(name: string, dims: DimBinding): number {
  const [base, divisor] = name.split('_');
  // Anything else (`width_x2`, `seq_len` unbound) reads as NaN, which counts as unknown.
  return dims[name] ?? (dims[base as string] as number) / +(divisor as string);
}

export interface ShapedInput {
  name: string;
  datatype: string;
  shape: readonly number[];
}

const fail = (message: string, tensor?: string) => new SplitflowError('INVALID_TENSOR', { message, details: tensor === undefined ? {} : { tensor } });

function bindShape(spec: TensorSpec, input: ShapedInput, binding: DimBinding, bounds: ModelManifest['dimBounds']): void {
  if (input.shape.length !== spec.shape.length) {
    throw fail(`input "${spec.name}": expected rank ${spec.shape.length} [${spec.shape.join(',')}], got shape [${input.shape.join(',')}]`, spec.name);
  }
  spec.shape.forEach((dim, axis) => {
    const size = input.shape[axis] as number;
    if (typeof dim === 'number') {
      if (size !== dim) throw fail(`input "${spec.name}": shape[${axis}] must be ${dim}, got ${size}`, spec.name);
      return;
    }
    if (size < 1) throw fail(`input "${spec.name}": shape[${axis}] (${dim}) must be >= 1, got ${size}`, spec.name);
    const bound = bounds?.[dim];
    if (bound && (size < bound.min || size > bound.max)) {
      throw fail(`input "${spec.name}": shape[${axis}] (${dim}) must be in [${bound.min}, ${bound.max}], got ${size}`, spec.name);
    }
    const seen = binding[dim];
    if (seen !== undefined && seen !== size) {
      throw fail(`input "${spec.name}": shape[${axis}] (${dim}) is ${size} but another input set ${dim} = ${seen}`, spec.name);
    }
    binding[dim] = size;
  });
}

/**
 * Checks a request's inputs against the manifest (names, datatypes, ranks, fixed dims, consistent
 * symbolic dims within their bounds) and returns the binding of the symbolic dims.
 */
export function bindInputs(manifest: Pick<ModelManifest, 'id' | 'inputs' | 'dimBounds'>, inputs: readonly ShapedInput[]): DimBinding {
  const binding: DimBinding = {};
  const byName = new Map<string, ShapedInput>();
  for (const input of inputs) {
    if (byName.has(input.name)) throw fail(`input "${input.name}" is given twice`, input.name);
    byName.set(input.name, input);
  }
  for (const spec of manifest.inputs) {
    const input = byName.get(spec.name);
    if (!input) throw fail(`model "${manifest.id}" needs input "${spec.name}" (${spec.datatype} [${spec.shape.join(',')}]), which is missing`, spec.name);
    if (input.datatype !== spec.datatype) throw fail(`input "${spec.name}": expected datatype ${spec.datatype}, got ${input.datatype}`, spec.name);
    bindShape(spec, input, binding, manifest.dimBounds);
    byName.delete(spec.name);
  }
  const extra = [...byName.keys()];
  if (extra.length > 0) {
    throw fail(
      `model "${manifest.id}" has no input ${extra.map((n) => `"${n}"`).join(', ')}; it takes ${manifest.inputs.map((i) => `"${i.name}"`).join(', ')}`,
      extra[0],
    );
  }
  return binding;
}
