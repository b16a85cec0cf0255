import { type CutPoint, evalTerms, isSplitflowError, type ModelManifest, type NamedTensor, SplitflowError } from '@splitflow/contract/core';
import { headKey, type SplitEstimate } from '../router/split-candidates.js';
import type { SplitRoute } from './types.js';

/** What running one model somewhere gives back. */
export interface RunOutcome {
  outputs: NamedTensor[];
  route: Record<string, unknown>;
  timings: { computeMs?: number; queueMs?: number; networkMs?: number; downloadMs?: number; compileMs?: number; attempts?: number };
}

export interface SplitDeps {
  /** A catalog manifest by id. */
  manifest(id: string): ModelManifest;
  /** Runs a manifest on the device (the head, or the tail when the pool fails). `holder.tensors` is handed back on failure. */
  runLocal(manifest: ModelManifest, holder: { tensors: NamedTensor[] }, flops: number): Promise<RunOutcome>;
  /** Runs a catalog model in the cloud. */
  runCloud(manifest: ModelManifest, tensors: NamedTensor[], flops: number): Promise<RunOutcome>;
  now(): number;
}

/** What a cut's head holds while it runs: as the manifest sizes it, else as much as the whole model. */
export const headCost = (model: Pick<ModelManifest, 'cost'>, cut: CutPoint): ModelManifest['cost'] => ({
  ...(cut.headMemory ?? model.cost),
  flops: cut.flopsBefore,
});

/**
 * The head of a cut as a model the local runtime can load: the model's inputs to the wire tensors of
 * one encoding (the tail's inputs), so the runtime fetches only those.
 */
export function headManifest(model: ModelManifest, cut: CutPoint, tail: ModelManifest): ModelManifest {
  return {
    id: headKey(model.id, cut.name),
    version: model.version,
    task: model.task,
    format: 'onnx',
    files: [cut.head],
    inputs: model.inputs,
    outputs: tail.inputs,
    ...(model.batchDim ? { batchDim: model.batchDim } : {}),
    ...(model.dimBounds ? { dimBounds: model.dimBounds } : {}),
    cost: headCost(model, cut),
  };
}

/** Thrown when the head fails, so the caller can send the whole request to the cloud instead. */
export const HEAD_FAILED = 'head';

export interface SplitOutcome extends RunOutcome {
  split: SplitRoute;
}

const failure = (error: unknown) =>
  isSplitflowError(error) ? error : new SplitflowError('INTERNAL', { message: String((error as Error)?.message ?? error), cause: error });

/**
 * Head on the device, tail in the pool. When the tail fails (network, broker 5xx, timeout), the
 * device finishes it from the head's output, so the head's work is kept; when the head fails, the
 * error says so (`details.stage = 'head'`) and the caller may send the request whole to the cloud.
 */
export async function runSplit(
  deps: SplitDeps,
  model: ModelManifest,
  chosen: SplitEstimate,
  holder: { tensors: NamedTensor[] },
  dims: Record<string, number>,
): Promise<SplitOutcome> {
  const cut = model.cutPoints?.find((c) => c.name === chosen.cut);
  if (!cut) throw new SplitflowError('INVALID_REQUEST', { message: `model "${model.id}" has no cut "${chosen.cut}"` });
  const tail = deps.manifest(chosen.tail);
  const head = headManifest(model, cut, tail);
  const before = evalTerms(cut.flopsBefore, dims);
  const after = evalTerms(cut.flopsAfter, dims);
  let headRun: RunOutcome;
  try {
    headRun = await deps.runLocal(head, holder, before);
  } catch (error) {
    const e = failure(error);
    throw new SplitflowError(e.code, {
      message: `the head of ${model.id} at ${cut.name} failed: ${e.message}`,
      details: { stage: HEAD_FAILED, model: model.id, cut: cut.name },
      cause: e,
    });
  }
  const wire = headRun.outputs;
  const uploadBytes = wire.reduce((n, t) => n + (ArrayBuffer.isView(t.data) ? t.data.byteLength : 0), 0);
  const split: SplitRoute = {
    cut: cut.name,
    encoding: chosen.encoding,
    tail: tail.id,
    headMs: headRun.timings.computeMs ?? 0,
    uploadBytes,
    tailWhere: 'cloud',
  };
  try {
    const tailRun = await deps.runCloud(tail, wire, after);
    return { ...tailRun, timings: { ...tailRun.timings, downloadMs: headRun.timings.downloadMs, compileMs: headRun.timings.compileMs }, split };
  } catch (error) {
    const e = failure(error);
    if (e.code === 'ABORTED' || e.code === 'DISPOSED' || e.code === 'INVALID_TENSOR') throw e;
    let local: RunOutcome;
    try {
      local = await deps.runLocal(tail, { tensors: wire }, after);
    } catch (here) {
      throw new SplitflowError(e.code, {
        message: `the tail of ${model.id} at ${cut.name} failed in the pool (${e.message}) and cannot finish here: ${failure(here).message}`,
        details: { model: model.id, cut: cut.name },
        cause: e,
      });
    }
    return {
      ...local,
      split: { ...split, tailWhere: 'local', tailFailed: { code: e.code, message: e.message }, tailLocalMs: local.timings.computeMs ?? 0 },
    };
  }
}
