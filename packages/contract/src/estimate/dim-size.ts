import type { DimBinding } from './cost-terms.js';

/**
 * The size of a dim for one request: bound by the inputs, or derived from a bound dim by its name
 * (`width_8` is width / 8; a model's own rounding may differ by one step). Undefined when neither (an
 * output-only dim, which the catalog's build refuses). Multiplied dims (`width_x2`) name cut tensors
 * only and are not read here.
 */
export function dimSize(name: string, dims: DimBinding): number | undefined {
  const m = /(.+)_([1-9]\d*)$/.exec(name);
  // An unbound base gives NaN, read as undefined.
  return dims[name] ?? (m ? (dims[m[1] as string] as number) / +(m[2] as string) || undefined : undefined);
}
