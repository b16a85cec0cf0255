// From a model's graph and its per-node counts to its kept cuts: head and tail files written beside
// the model, every wire encoding measured against fp32, and a catalog entry for each allowed tail,
// so a pool serves tails like any model.
import {
  type CostTerm,
  type CutEncoding,
  type CutEncodingInfo,
  type CutPoint,
  type DimBinding,
  evalTerms,
  type ModelManifest,
  type TensorSpec,
} from '@splitflow/contract';
import type { BuildContext } from '../catalog/entry.js';
import { fitTerms, type Monomial, maxTerms } from '../cost/fit.js';
import type { NodeRecord } from '../cost/node-record.js';
import { DTYPE_BYTES } from '../onnx/graph.js';
import { decodeModel, decodeModelProto, encodeModelProto, type ModelProto } from '../onnx/proto.js';
import { emitFile } from '../real/copy-file.js';
import type { Feed } from '../runtime/feeds.js';
import { type NodeSession, type Outputs, openNode } from '../runtime/ort-node.js';
import { type CostedCut, costCuts, countSample, type DerivedDim, type Dropped, keepCuts, prefixCuts } from './find-cuts.js';
import type { GraphView } from './graph-view.js';
import { CUT_ENCODINGS, headModel, tailModel, wireTensors } from './split-model.js';

/** An encoding is allowed when every sample's top-1 agrees with fp32 and no output moves by more than this share of fp32's largest magnitude. */
export const ENCODING_TOLERANCE = 0.02;
/** Seeded inputs each encoding is measured on. */
export const ACCURACY_SAMPLES = 4;

export interface CutSource {
  manifest: ModelManifest;
  view: GraphView;
  /** The model's bytes, decoded only when a cut is kept. */
  bytes: () => Uint8Array;
  measured: { dims: DimBinding; records: NodeRecord[] }[];
  basis: readonly Monomial[];
  /** Basis of the activation-bytes fits, as the model's cost profile uses. @default basis */
  activationBasis?: readonly Monomial[];
  /** Size the cuts are compared at (the catalog table's typical size). */
  reference: DimBinding;
  /** Size the encodings are measured at (small, so the build stays fast). */
  accuracyDims: DimBinding;
  feeds: (dims: DimBinding, seed: string) => Feed[];
}

export interface BuiltCuts {
  cutPoints: CutPoint[];
  tails: ModelManifest[];
  dropped: Dropped[];
  candidates: number;
}

/** Bytes of the model's inputs as a polynomial of its dims. */
export function inputBytes(inputs: readonly TensorSpec[]): CostTerm[] {
  return inputs.map((t) => {
    const dims: Record<string, number> = {};
    let coefficient = DTYPE_BYTES[t.datatype] ?? 4;
    for (const d of t.shape) {
      if (typeof d === 'number') coefficient *= d;
      else dims[d] = (dims[d] ?? 0) + 1;
    }
    return { coefficient, dims };
  });
}

/** A readable, unique name for a cut from its first tensor's name. */
export function cutName(tensors: readonly string[], taken: ReadonlySet<string>): string {
  const base =
    (tensors[0] ?? 'cut')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/-(tmp-)?0$/, '')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'cut';
  const withCount = tensors.length > 1 ? `${base}-and-${tensors.length - 1}` : base;
  let name = withCount;
  for (let i = 2; taken.has(name); i++) name = `${withCount}-${i}`;
  return name;
}

/** Rewrites a polynomial of the model's dims in the tail's dims (height = 8·height_8). */
function inTailDims(terms: readonly CostTerm[], derived: Map<string, DerivedDim>): CostTerm[] | null {
  const out: CostTerm[] = [];
  for (const term of terms) {
    let coefficient = term.coefficient;
    const dims: Record<string, number> = {};
    for (const [dim, exponent] of Object.entries(term.dims)) {
      const options = [...derived.entries()].filter(([, d]) => d.dim === dim).sort(([, a], [, b]) => a.divisor - b.divisor);
      const pick = options[0];
      if (!pick) return null;
      coefficient *= (pick[1].divisor / pick[1].multiplier) ** exponent;
      dims[pick[0]] = (dims[pick[0]] ?? 0) + exponent;
    }
    out.push({ coefficient, dims });
  }
  return out;
}

function tailBounds(parent: ModelManifest, derived: Map<string, DerivedDim>): ModelManifest['dimBounds'] {
  const bounds: NonNullable<ModelManifest['dimBounds']> = {};
  for (const [name, d] of derived) {
    const b = parent.dimBounds?.[d.dim];
    if (!b) continue;
    bounds[name] = { min: Math.max(1, Math.ceil((b.min * d.multiplier) / d.divisor)), max: Math.max(1, Math.floor((b.max * d.multiplier) / d.divisor)) };
  }
  return bounds;
}

const asFloats = (data: Outputs[string]['data']): Float64Array => Float64Array.from(data as ArrayLike<number>);

function top1(values: Float64Array, dims: number[]): number[] {
  const width = dims.at(-1) ?? values.length;
  const rows: number[] = [];
  for (let r = 0; r * width < values.length; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if ((values[r * width + j] ?? 0) > (values[r * width + best] ?? 0)) best = j;
    rows.push(best);
  }
  return rows;
}

interface Measurement {
  agree: number;
  maxAbsError: number;
  scale: number;
}

/** Class scores on the last axis (logits, per-step symbols), where top-1 agreement means something. */
const scoresClasses = (m: ModelManifest): boolean => {
  const last = m.outputs[0]?.shape.at(-1);
  return typeof last === 'number' && last > 1 && (m.outputs[0]?.shape.length ?? 0) <= 3;
};

/** Runs head then every tail on seeded inputs; each encoding against the fp32 tail. */
async function measureEncodings(src: CutSource, head: Uint8Array, tails: Map<CutEncoding, Uint8Array>, cut: CostedCut): Promise<Map<CutEncoding, Measurement>> {
  const sessions = new Map<CutEncoding, NodeSession>();
  const headSession = await openNode(head);
  const results = new Map<CutEncoding, Measurement>();
  try {
    for (const [e, bytes] of tails) sessions.set(e, await openNode(bytes));
    for (let s = 0; s < ACCURACY_SAMPLES; s++) {
      const produced = await headSession.run(src.feeds(src.accuracyDims, `accuracy:${s}`));
      const run = async (e: CutEncoding) => {
        const feeds = wireTensors(cut.cutTensors, e).map((w) => {
          const out = produced[w.name];
          if (!out) throw new Error(`head did not output ${w.name}`);
          return { name: w.name, datatype: w.datatype, shape: out.dims, data: out.data } as Feed;
        });
        return (sessions.get(e) as NodeSession).run(feeds);
      };
      const reference = await run('fp32');
      const names = Object.keys(reference);
      for (const e of tails.keys()) {
        const got = e === 'fp32' ? reference : await run(e);
        const m = results.get(e) ?? { agree: 0, maxAbsError: 0, scale: 0 };
        names.forEach((name, i) => {
          const want = asFloats(reference[name]?.data ?? new Float32Array());
          const have = asFloats(got[name]?.data ?? new Float32Array());
          for (let j = 0; j < want.length; j++) {
            m.maxAbsError = Math.max(m.maxAbsError, Math.abs((want[j] ?? 0) - (have[j] ?? 0)));
            m.scale = Math.max(m.scale, Math.abs(want[j] ?? 0));
          }
          if (i === 0) {
            const dims = reference[name]?.dims ?? [];
            if (top1(want, dims).join() === top1(have, dims).join()) m.agree += 1;
          }
        });
        results.set(e, m);
      }
    }
  } finally {
    await headSession.release();
    for (const s of sessions.values()) await s.release();
  }
  return results;
}

const tailId = (model: string, cut: string, encoding: CutEncoding) => (encoding === 'fp32' ? `${model}.${cut}` : `${model}.${cut}.${encoding}`);

/**
 * The head's memory, counted as the whole model's is: its weights (initializers and constants of the
 * head's graph), and the peak of its nodes' working sets (non-weight inputs plus outputs, each node
 * fitted on its own, bounded by the termwise maximum). The encoding nodes each read and write a tensor
 * of the cut's size in fp32 (and the 4-byte scale it is divided by), so they count twice the fp32
 * bytes across.
 */
function headMemoryOf(src: CutSource, cut: CostedCut, headBytes: Uint8Array): NonNullable<CutPoint['headMemory']> {
  const byName = src.measured.map((m) => ({ dims: m.dims, records: new Map(m.records.map((r) => [r.name, r])) }));
  const perNode = src.view.compute.slice(0, cut.headNodes).map((node) =>
    fitTerms(
      byName.map((m) => ({ dims: m.dims, value: m.records.get(node.name)?.activationBytes ?? 0 })),
      src.activationBasis ?? src.basis,
    ),
  );
  const encodes = cut.cutTensors.some((t) => t.datatype === 'FP32');
  const encode = [...cut.bytes.map((t) => ({ coefficient: t.coefficient * (encodes ? 2 : 1), dims: t.dims })), { coefficient: encodes ? 4 : 0, dims: {} }];
  return { parameterBytes: decodeModel(headBytes).parameterBytes, activationBytes: maxTerms([...perNode, encode]) };
}

function parameterBytesOf(model: ModelProto): number {
  return (model.graph?.initializer ?? []).reduce((s, t) => s + (t.rawData?.length ?? 0), 0);
}

export async function buildCuts(src: CutSource, ctx: BuildContext): Promise<BuiltCuts> {
  const { manifest: parent } = src;
  const candidates = prefixCuts(src.view);
  const counts = src.measured.map((m) => countSample(src.view, m.dims, m.records));
  const costed = costCuts(candidates, counts, src.basis, src.reference, inputBytes(parent.inputs));
  const { kept, dropped } = keepCuts(costed.costed);
  const result: BuiltCuts = { cutPoints: [], tails: [], dropped: [...costed.dropped, ...dropped], candidates: candidates.length };
  if (kept.length === 0) return result;
  const model = decodeModelProto(src.bytes());
  const taken = new Set<string>();
  for (const cut of kept) {
    const name = cutName(cut.tensors, taken);
    const tailFlops = inTailDims(cut.flopsAfter, cut.derived);
    const tailActivations = inTailDims(parent.cost.activationBytes, cut.derived);
    if (!tailFlops || !tailActivations) {
      result.dropped.push({ tensors: cut.tensors, reason: 'the tail cost needs an input dim that no cut tensor carries' });
      continue;
    }
    taken.add(name);
    const dir = `${parent.id}/cut-${name}`;
    const headBytes = encodeModelProto(headModel(model, cut.cutTensors, name));
    const tails = new Map<CutEncoding, { proto: ModelProto; bytes: Uint8Array }>();
    // An encoding only exists where it changes what crosses (a cut of integer tensors has fp32 only).
    const encodings = CUT_ENCODINGS.filter((e) => e === 'fp32' || cut.cutTensors.some((t) => t.datatype === 'FP32'));
    for (const e of encodings) {
      const proto = tailModel(model, cut.cutTensors, name, e);
      tails.set(e, { proto, bytes: encodeModelProto(proto) });
    }
    const headFile = emitFile(ctx, `${dir}/head.onnx`, headBytes, 'model');
    const previous = ctx.previous
      ?.find((m) => m.id === parent.id && m.files[0]?.sha256 === parent.files[0]?.sha256)
      ?.cutPoints?.find((c) => c.name === name && c.head.sha256 === headFile.sha256);
    const measured = previous ? null : await measureEncodings(src, headBytes, new Map([...tails].map(([e, t]) => [e, t.bytes])), cut);
    const classes = scoresClasses(parent);
    const infos: CutEncodingInfo[] = [];
    for (const e of encodings) {
      const kept = previous?.encodings.find((p) => p.encoding === e);
      const m = measured?.get(e) ?? { agree: 0, maxAbsError: Number.POSITIVE_INFINITY, scale: 0 };
      const allowed = kept ? kept.allowed : e === 'fp32' || ((!classes || m.agree === ACCURACY_SAMPLES) && m.maxAbsError <= ENCODING_TOLERANCE * m.scale);
      const { tail: _, ...info }: CutEncodingInfo = kept ?? {
        encoding: e,
        allowed,
        ...(classes ? { top1Agreement: m.agree / ACCURACY_SAMPLES } : {}),
        maxAbsError: Number(m.maxAbsError.toPrecision(3)),
        outputScale: Number(m.scale.toPrecision(3)),
        samples: ACCURACY_SAMPLES,
      };
      if (allowed) {
        const tail = tails.get(e) as { proto: ModelProto; bytes: Uint8Array };
        const id = tailId(parent.id, name, e);
        (info as CutEncodingInfo).tail = id;
        const file = emitFile(ctx, `${dir}/tail.${e}.onnx`, tail.bytes, 'model');
        const inputs = wireTensors(cut.cutTensors, e).map((w) => ({ name: w.name, datatype: w.datatype, shape: w.shape }));
        result.tails.push({
          id,
          version: parent.version,
          task: parent.task,
          format: 'onnx',
          description: `The tail of ${parent.id} after cut ${name}, taking the cut's tensors as ${e}.`,
          source: { origin: `split from ${parent.id} by models/build.ts`, license: parent.source?.license ?? 'unknown' },
          files: [file],
          inputs,
          outputs: parent.outputs,
          ...(inputs.some((i) => i.shape.includes('batch')) ? { batchDim: 'batch' } : {}),
          dimBounds: tailBounds(parent, cut.derived),
          cost: { flops: tailFlops, parameterBytes: parameterBytesOf(tail.proto), activationBytes: tailActivations },
          ...(parent.labels ? { labels: parent.labels } : {}),
          tailOf: { model: parent.id, cut: name, encoding: e },
        });
      }
      infos.push(info);
    }
    result.cutPoints.push({
      name,
      tensors: cut.cutTensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      activationBytes: cut.bytes,
      flopsBefore: cut.flopsBefore,
      flopsAfter: cut.flopsAfter,
      head: headFile,
      headMemory: headMemoryOf(src, cut, headBytes),
      encodings: infos,
    });
  }
  return result;
}

/** One line per cut for the build log: where it is, what crosses, the share of FLOPs before it. */
export function describeCuts(parent: ModelManifest, built: BuiltCuts, reference: DimBinding): string[] {
  const lines = built.cutPoints.map((c) => {
    const before = evalTerms(c.flopsBefore, reference);
    const total = before + evalTerms(c.flopsAfter, reference);
    const allowed = c.encodings.filter((e) => e.allowed).map((e) => e.encoding);
    return `  cut ${c.name}: ${evalTerms(c.activationBytes, reference)} B fp32 across, ${((100 * before) / total).toFixed(1)}% of FLOPs before; encodings ${allowed.join(', ')}`;
  });
  return [`${parent.id}: ${built.candidates} candidate cuts, ${built.cutPoints.length} kept`, ...lines];
}
