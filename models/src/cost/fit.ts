// Fits cost polynomials (contract CostTerm[]) to counts measured at several input sizes.
import type { CostTerm, DimBinding } from '@splitflow/contract';
import { evalTerms } from '@splitflow/contract';

/** Exponents of one monomial, e.g. `{ batch: 1, seq: 2 }`; `{}` is the constant term. */
export type Monomial = Record<string, number>;

export interface Sample {
  dims: DimBinding;
  value: number;
}

const monomial = (m: Monomial, dims: DimBinding): number => Object.entries(m).reduce((v, [d, e]) => v * (dims[d] ?? Number.NaN) ** e, 1);

/** Least squares by normal equations with columns scaled to 1 (a handful of terms, well conditioned). */
function leastSquares(rows: number[][], values: number[]): number[] {
  const n = rows[0]?.length ?? 0;
  const scale = Array.from({ length: n }, (_, j) => Math.max(...rows.map((r) => Math.abs(r[j] ?? 0))) || 1);
  const a = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) =>
      rows.reduce((s, r, k) => s + ((r[i] ?? 0) / (scale[i] ?? 1)) * (j < n ? (r[j] ?? 0) / (scale[j] ?? 1) : (values[k] ?? 0)), 0),
    ),
  );
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]?.[col] ?? 0) > Math.abs(a[pivot]?.[col] ?? 0)) pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const p = a[col] as number[];
    if (Math.abs(p[col] ?? 0) < 1e-12) throw new Error('cost fit: samples do not determine every term (add sizes)');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = a[r] as number[];
      const f = (row[col] ?? 0) / (p[col] ?? 1);
      for (let j = col; j <= n; j++) row[j] = (row[j] ?? 0) - f * (p[j] ?? 0);
    }
  }
  return a.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1) / (scale[i] ?? 1));
}

/** Rounds away float noise: integers stay integers, others keep 9 significant digits. */
function tidy(c: number): number {
  const r = Math.round(c);
  if (Math.abs(c - r) <= 1e-6 * Math.max(1, Math.abs(c))) return r;
  return Number(c.toPrecision(9));
}

/**
 * Fits Σ cᵢ·monomialᵢ to the samples. Coefficients must be >= 0 (the contract's rule and the
 * physics): a term that fits negative is dropped and the rest refitted.
 */
export function fitTerms(samples: readonly Sample[], basis: readonly Monomial[]): CostTerm[] {
  let terms = [...basis];
  while (terms.length > 0) {
    if (samples.length < terms.length) throw new Error(`cost fit: ${samples.length} samples for ${terms.length} terms`);
    const coefficients = leastSquares(
      samples.map((s) => terms.map((m) => monomial(m, s.dims))),
      samples.map((s) => s.value),
    ).map(tidy);
    const worst = coefficients.reduce((w, c, i) => (c < (coefficients[w] ?? 0) ? i : w), 0);
    if ((coefficients[worst] ?? 0) < 0) {
      terms = terms.filter((_, i) => i !== worst);
      continue;
    }
    const fitted = terms.map((dims, i) => ({ coefficient: coefficients[i] ?? 0, dims: { ...dims } })).filter((t) => t.coefficient > 0);
    return fitted.length > 0 ? fitted : [{ coefficient: 0, dims: {} }];
  }
  return [{ coefficient: 0, dims: {} }];
}

/** Termwise maximum of several polynomials: an upper bound of their pointwise maximum. */
export function maxTerms(polys: readonly CostTerm[][]): CostTerm[] {
  const byKey = new Map<string, CostTerm>();
  for (const poly of polys) {
    for (const t of poly) {
      const key = JSON.stringify(Object.entries(t.dims).sort());
      const seen = byKey.get(key);
      if (!seen || seen.coefficient < t.coefficient) byKey.set(key, { coefficient: t.coefficient, dims: t.dims });
    }
  }
  const out = [...byKey.values()].filter((t) => t.coefficient > 0);
  return out.length > 0 ? out : [{ coefficient: 0, dims: {} }];
}

/** Relative error of the polynomial against a count taken at `sample.dims`. */
export function fitError(terms: readonly CostTerm[], sample: Sample): number {
  const predicted = evalTerms(terms, sample.dims);
  return Math.abs(predicted - sample.value) / Math.max(1, Math.abs(sample.value));
}
