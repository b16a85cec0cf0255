// From per-node records at several input sizes to the manifest's cost polynomials.
import { type CostTerm, type DimBinding, evalTerms } from '@splitflow/contract';
import { countRecords } from './count.js';
import { fitError, fitTerms, type Monomial, maxTerms } from './fit.js';
import type { NodeRecord } from './node-record.js';
import { nodeFlops } from './op-flops.js';

export interface Measured {
  dims: DimBinding;
  records: NodeRecord[];
}

export interface FittedCost {
  flops: CostTerm[];
  activationBytes: CostTerm[];
}

/**
 * FLOPs: one polynomial fitted to the totals. Activation bytes: each node's working set is fitted
 * on its own and the peak is bounded by the termwise maximum, since a max of polynomials (attention
 * scores winning at long sequences, FFN at short ones) is not itself a polynomial.
 */
export function fitCost(measured: readonly Measured[], basis: readonly Monomial[], activationBasis: readonly Monomial[] = basis): FittedCost {
  const flops = fitTerms(
    measured.map((m) => ({ dims: m.dims, value: countRecords(m.records).flops })),
    basis,
  );
  const first = measured[0]?.records ?? [];
  for (const m of measured) {
    if (m.records.length !== first.length)
      throw new Error(`cost fit: ${m.records.length} nodes at ${JSON.stringify(m.dims)}, ${first.length} at the first size`);
  }
  const perNode = first.map((_, i) =>
    fitTerms(
      measured.map((m) => ({ dims: m.dims, value: m.records[i]?.activationBytes ?? 0 })),
      activationBasis,
    ),
  );
  return { flops, activationBytes: maxTerms(perNode) };
}

/** Checks the fit against a count at a size it was not fitted on; throws when off by more than `tolerance`. */
export function checkFit(id: string, fitted: FittedCost, check: Measured, tolerance: number): void {
  const count = countRecords(check.records);
  const flopsErr = fitError(fitted.flops, { dims: check.dims, value: count.flops });
  if (flopsErr > tolerance) throw new Error(`${id}: FLOP fit is off by ${(flopsErr * 100).toFixed(3)}% at ${JSON.stringify(check.dims)}`);
  // The activation polynomial is an upper bound of the peak: never under it, and not far over.
  const bound = evalTerms(fitted.activationBytes, check.dims);
  const peak = count.peakActivationBytes;
  if (bound < peak * (1 - tolerance) || bound > peak * 1.5) {
    throw new Error(`${id}: activation bound ${bound} does not cover the peak ${peak} at ${JSON.stringify(check.dims)}`);
  }
}

/** FLOPs of the nodes before and after the node that produces `tensor`, and that tensor's bytes. */
export function splitAt(records: readonly NodeRecord[], tensor: string): { before: number; after: number; bytes: number } {
  const index = records.findIndex((r) => r.outputs?.some((o) => o.name === tensor));
  if (index < 0) throw new Error(`no node produces ${tensor}`);
  const flops = records.map(nodeFlops);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const bytes = records[index]?.outputs?.find((o) => o.name === tensor)?.bytes ?? 0;
  return { before: sum(flops.slice(0, index + 1)), after: sum(flops.slice(index + 1)), bytes };
}
