// Finds where a graph can be split between the device and a pool. For each position in the graph's
// topological order, the head is every compute node before it and the cut is the set of tensors the
// head makes that the tail still reads: no edge runs from the tail back into the head, by construction.
// Each cut is then costed at the sizes the model's cost profile was measured at, and fitted to the
// same polynomials (FLOPs before and after, bytes across), and only the useful ones are kept.
import { type CostTerm, type Datatype, type DimBinding, evalTerms } from '@splitflow/contract';
import { fitTerms, type Monomial } from '../cost/fit.js';
import type { NodeRecord } from '../cost/node-record.js';
import { nodeFlops } from '../cost/op-flops.js';
import { DTYPE_BYTES, elements } from '../onnx/graph.js';
import type { GraphView } from './graph-view.js';

/** A cut carries at most this many tensors ("one or a few"). */
export const MAX_CUT_TENSORS = 4;
/** At most this many cuts are kept per model. */
export const MAX_KEPT_CUTS = 4;
/** A cut is kept only if the tail does at least this share of the FLOPs (else it is all-local with extra steps). */
export const MIN_TAIL_SHARE = 0.05;

export interface CutCandidate {
  /** The head is `view.compute.slice(0, headNodes)`. */
  headNodes: number;
  tensors: string[];
}

/** Every prefix cut of the graph's order with at most `maxTensors` tensors, none a raw input or a final output. */
export function prefixCuts(view: GraphView, maxTensors = MAX_CUT_TENSORS): CutCandidate[] {
  if (view.controlFlow.length > 0) return [];
  const lastUse = new Map<string, number>();
  view.compute.forEach((n, i) => {
    for (const t of n.inputs) lastUse.set(t, i);
  });
  const outputs = new Set(view.outputs);
  const rawInputs = new Set(view.inputs);
  const live = new Set<string>();
  const cuts: CutCandidate[] = [];
  const seen = new Set<string>();
  for (let k = 1; k < view.compute.length; k++) {
    const node = view.compute[k - 1];
    for (const o of node?.outputs ?? []) if (o) live.add(o);
    for (const t of [...live]) if ((lastUse.get(t) ?? -1) < k && !outputs.has(t)) live.delete(t);
    if ([...rawInputs].some((t) => (lastUse.get(t) ?? -1) >= k)) continue;
    if (live.size === 0 || live.size > maxTensors || [...live].some((t) => outputs.has(t))) continue;
    const tensors = [...live].sort();
    const key = tensors.join('\n');
    if (seen.has(key)) continue;
    seen.add(key);
    cuts.push({ headNodes: k, tensors });
  }
  return cuts;
}

export interface TensorInfo {
  shape: number[];
  datatype: Datatype;
  bytes: number;
}

/** One counted run: FLOPs per compute node and every tensor's shape, at one binding of the dims. */
export interface SampleCount {
  dims: DimBinding;
  /** FLOPs of the first k compute nodes, k = 0..n. */
  prefixFlops: number[];
  total: number;
  tensors: Map<string, TensorInfo>;
}

export function countSample(view: GraphView, dims: DimBinding, records: readonly NodeRecord[]): SampleCount {
  const byName = new Map(records.map((r) => [r.name, r]));
  const tensors = new Map<string, TensorInfo>();
  const prefixFlops = [0];
  let sum = 0;
  for (const node of view.compute) {
    const record = byName.get(node.name);
    if (!record) throw new Error(`no count for node ${node.name}`);
    sum += nodeFlops(record);
    prefixFlops.push(sum);
    node.outputs.forEach((name, i) => {
      const shape = record.outputShapes[i];
      const datatype = record.outputDatatypes?.[i];
      if (!shape || !datatype) return;
      tensors.set(name, { shape, datatype, bytes: elements(shape) * (DTYPE_BYTES[datatype] ?? 4) });
    });
  }
  // Nodes the runtime ran that the view holds as constants (e.g. Shape of a weight) count too, on the tail's side.
  const total = records.reduce((s, r) => s + nodeFlops(r), 0);
  return { dims, prefixFlops, total, tensors };
}

/** A dim of a cut tensor: fixed, or an input dim divided (`height_8`) or multiplied (`width_x2`) by an integer. */
export interface DerivedDim {
  dim: string;
  divisor: number;
  multiplier: number;
}

export type SymbolicShape = (number | string)[];

/** Names each axis from its sizes across the samples; null when an axis is no simple function of one input dim. */
export function symbolicShape(sizes: number[][], samples: DimBinding[], derived: Map<string, DerivedDim>): SymbolicShape | null {
  const rank = sizes[0]?.length ?? 0;
  if (sizes.some((s) => s.length !== rank)) return null;
  const shape: SymbolicShape = [];
  for (let axis = 0; axis < rank; axis++) {
    const values = sizes.map((s) => s[axis] ?? 0);
    if (values.every((v) => v === values[0])) {
      shape.push(values[0] ?? 0);
      continue;
    }
    let named: string | null = null;
    for (const dim of Object.keys(samples[0] ?? {})) {
      const ratio = (samples[0]?.[dim] ?? 0) / (values[0] ?? 1);
      const divisor = Number.isInteger(ratio) ? ratio : 1;
      const multiplier = Number.isInteger(1 / ratio) ? 1 / ratio : 1;
      if (divisor === 1 && multiplier === 1 && ratio !== 1) continue;
      const ok = samples.every((d, i) => ((d[dim] ?? 0) * multiplier) / divisor === values[i]);
      if (!ok) continue;
      named = divisor > 1 ? `${dim}_${divisor}` : multiplier > 1 ? `${dim}_x${multiplier}` : dim;
      derived.set(named, { dim, divisor, multiplier });
      break;
    }
    if (named === null) return null;
    shape.push(named);
  }
  return shape;
}

export interface CutTensor {
  name: string;
  datatype: Datatype;
  shape: SymbolicShape;
}

export interface CostedCut extends CutCandidate {
  cutTensors: CutTensor[];
  derived: Map<string, DerivedDim>;
  flopsBefore: CostTerm[];
  flopsAfter: CostTerm[];
  bytes: CostTerm[];
  /** At the reference size: */
  at: { before: number; after: number; total: number; bytes: number; wireBytesMin: number; inputBytes: number };
}

/** Why a candidate was dropped, for the build log. */
export interface Dropped {
  tensors: string[];
  reason: string;
}

/**
 * Costs each candidate at the samples, fits its polynomials (exact at every sample, or it is dropped),
 * and evaluates them at `reference`.
 */
export function costCuts(
  candidates: readonly CutCandidate[],
  counts: readonly SampleCount[],
  basis: readonly Monomial[],
  reference: DimBinding,
  inputBytes: CostTerm[],
): { costed: CostedCut[]; dropped: Dropped[] } {
  const costed: CostedCut[] = [];
  const dropped: Dropped[] = [];
  const samples = counts.map((c) => c.dims);
  for (const cut of candidates) {
    const derived = new Map<string, DerivedDim>();
    const cutTensors: CutTensor[] = [];
    let problem: string | null = null;
    for (const name of cut.tensors) {
      const infos = counts.map((c) => c.tensors.get(name));
      if (infos.some((i) => !i)) {
        problem = `no shape for ${name}`;
        break;
      }
      const shape = symbolicShape(
        infos.map((i) => i?.shape ?? []),
        samples,
        derived,
      );
      if (!shape) {
        problem = `${name}: shape is not a simple function of the input dims`;
        break;
      }
      cutTensors.push({ name, datatype: infos[0]?.datatype ?? 'FP32', shape });
    }
    if (problem) {
      dropped.push({ tensors: cut.tensors, reason: problem });
      continue;
    }
    const fitExact = (value: (c: SampleCount) => number): CostTerm[] | null => {
      const terms = fitTerms(
        counts.map((c) => ({ dims: c.dims, value: value(c) })),
        basis,
      );
      const exact = counts.every((c) => Math.abs(evalTerms(terms, c.dims) - value(c)) <= 1e-6 * Math.max(1, value(c)));
      return exact ? terms : null;
    };
    const before = fitExact((c) => c.prefixFlops[cut.headNodes] ?? 0);
    const after = fitExact((c) => c.total - (c.prefixFlops[cut.headNodes] ?? 0));
    const bytes = fitExact((c) => cut.tensors.reduce((s, t) => s + (c.tensors.get(t)?.bytes ?? 0), 0));
    if (!before || !after || !bytes) {
      dropped.push({ tensors: cut.tensors, reason: 'costs do not fit the model basis exactly' });
      continue;
    }
    const perTensorBytes = cutTensors.map((t) => counts[0]?.tensors.get(t.name)?.bytes ?? 0);
    const scale = evalTerms(bytes, reference) / Math.max(1, evalTerms(bytes, counts[0]?.dims ?? reference));
    const wireBytesMin = cutTensors.reduce((s, t, i) => s + (perTensorBytes[i] ?? 0) * scale * (t.datatype === 'FP32' ? 0.25 : 1), 0);
    const at = {
      before: evalTerms(before, reference),
      after: evalTerms(after, reference),
      total: evalTerms(before, reference) + evalTerms(after, reference),
      bytes: evalTerms(bytes, reference),
      wireBytesMin,
      inputBytes: evalTerms(inputBytes, reference),
    };
    costed.push({ ...cut, cutTensors, derived, flopsBefore: before, flopsAfter: after, bytes, at });
  }
  return { costed, dropped };
}

/**
 * The useful cuts: the tail keeps a real share of the work, the cut could cross in fewer bytes than
 * the input (quantised to a byte per value), and no other cut has both fewer FLOPs before it and fewer
 * bytes across. At most `max`, spread along that front.
 */
export function keepCuts(costed: readonly CostedCut[], max = MAX_KEPT_CUTS): { kept: CostedCut[]; dropped: Dropped[] } {
  const dropped: Dropped[] = [];
  const useful = costed.filter((c) => {
    const reason =
      c.at.before <= 0
        ? 'no work before it'
        : c.at.after < MIN_TAIL_SHARE * c.at.total
          ? `tail does ${((100 * c.at.after) / c.at.total).toFixed(1)}% of the FLOPs`
          : c.at.wireBytesMin >= c.at.inputBytes
            ? `even at one byte per value ${Math.round(c.at.wireBytesMin)} B cross, the input is ${c.at.inputBytes} B`
            : null;
    if (reason) dropped.push({ tensors: c.tensors, reason });
    return reason === null;
  });
  const sorted = [...useful].sort((a, b) => a.at.before - b.at.before || a.at.bytes - b.at.bytes);
  const front: CostedCut[] = [];
  for (const c of sorted) {
    const last = front.at(-1);
    if (!last || c.at.bytes < last.at.bytes) front.push(c);
    else dropped.push({ tensors: c.tensors, reason: 'dominated: another cut has fewer FLOPs before it and no more bytes across' });
  }
  if (front.length <= max) return { kept: front, dropped };
  const picks = new Set(Array.from({ length: max }, (_, i) => Math.round((i * (front.length - 1)) / (max - 1))));
  const kept = front.filter((_, i) => picks.has(i));
  for (const c of front) if (!kept.includes(c)) dropped.push({ tensors: c.tensors, reason: `on the front, but only ${max} are kept` });
  return { kept, dropped };
}
