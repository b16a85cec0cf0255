import { type CutEncoding, isSplitflowError, SplitflowError } from '@splitflow/contract/core';
import type { RouteDecision } from './decision.js';
import { describeLink, type LatencyRouter, ms, type RouteInput } from './latency-router.js';
import { describeSplit, type SplitInput, splitBlock, splitCandidates } from './split-candidates.js';

/**
 * How much faster than the better whole route a split's estimate must be for auto to take it. A split
 * adds up three measured times (head, upload, tail), each as noisy as a whole route's, and a near-tie
 * has little to win: taking the whole route then costs at most this share, while a split that the
 * noise made look faster can cost far more (a busy device's run can take three times another).
 */
export const SPLIT_MARGIN = 0.1;

/**
 * Local or cloud as the latency router decides, then every cut weighed against them: a split is taken
 * when it is the fastest allowed route by `SPLIT_MARGIN` (auto), or when the preferred route misses the budget and the
 * split beats the other one (prefer-local, prefer-cloud). `local-only` never sends anything and
 * `cloud-only` never splits; `no-raw-input` rules the whole-model cloud route out, not the split.
 * The reason lists every candidate's numbers.
 */
export function decideWithSplit(
  router: LatencyRouter,
  input: RouteInput,
  split: Omit<SplitInput, 'dims' | 'device' | 'responseBytes'>,
  /** A cut the caller asked for (`true`: the fastest cut), with its encoding or not: taken when splits are allowed, else the decision says why not. */
  asked?: string | true | { cut: string; encoding: CutEncoding },
): RouteDecision {
  const { thresholds } = input;
  const force = typeof asked === 'object' ? asked.cut : asked;
  const encodings = typeof asked === 'object' ? { [asked.cut]: asked.encoding } : undefined;
  const blocked = splitBlock(thresholds, input.manifest as Pick<SplitInput['manifest'], 'cutPoints'>, {
    configured: input.cloud.configured,
    online: input.device.network.online,
  });
  // Every cut's row is shown; those whose head cannot run here are no candidates.
  const rows = blocked
    ? []
    : splitCandidates({ ...split, dims: input.dims, device: input.device, responseBytes: input.responseBytes, ...(encodings ? { encodings } : {}) });
  const candidates = rows.filter((c) => !c.blocked);
  const described = rows.map(describeSplit).join('; ');
  let base: RouteDecision | undefined;
  try {
    base = router.decide(input);
  } catch (error) {
    // Neither whole route is allowed; a split may still be (no-raw-input with a model too big to run here).
    if (!isSplitflowError(error) || error.code === 'INVALID_REQUEST') throw error;
    if (candidates.length === 0)
      throw rows.length > 0 ? new SplitflowError(error.code, { message: `${error.message}; splits: ${described}`, details: error.details }) : error;
    return {
      where: 'split',
      split: candidates[0] as (typeof candidates)[number],
      reason: `split: local and cloud are ruled out (${error.message}); ${described}`,
      mode: thresholds.mode,
      privacy: thresholds.privacy,
      estimates: { budgetMs: thresholds.latencyBudgetMs, split: rows },
    };
  }
  const estimates = { ...base.estimates, ...(rows.length > 0 ? { split: rows } : {}) };
  const splitBlocked =
    blocked ??
    (candidates.length === 0
      ? rows.length > 0
        ? `no cut's head can run here: ${described}`
        : 'no cut has an allowed encoding whose tail is in the catalog'
      : undefined);
  if (splitBlocked !== undefined) return { ...base, estimates, splitBlocked, reason: rows.length > 0 ? `${base.reason}; splits: ${described}` : base.reason };
  const chosen = force === undefined ? undefined : force === true ? candidates[0] : candidates.find((c) => c.cut === force);
  if (force !== undefined && !chosen)
    throw new SplitflowError('INVALID_REQUEST', {
      message: `model "${input.manifest.id}" has no usable cut "${force}"${encodings ? ` in ${encodings[force as string]}` : ''}; it has ${rows.map((c) => (c.blocked ? `${c.cut} (${c.blocked})` : `${c.cut} (${c.encoding})`)).join(', ')}`,
    });
  const best = chosen ?? (candidates[0] as (typeof candidates)[number]);
  const local = base.localBlocked === undefined ? base.estimates.local?.totalMs : undefined;
  const cloud = base.cloudBlocked === undefined ? base.estimates.cloud?.totalMs : undefined;
  const numbers = [
    ...rows.map(describeSplit),
    local !== undefined ? `local ${ms(local)}` : `local ruled out (${base.localBlocked})`,
    cloud !== undefined ? `cloud ${ms(cloud)}` : `cloud ruled out (${base.cloudBlocked})`,
    `budget ${ms(thresholds.latencyBudgetMs)}`,
    describeLink(input.device, split.live, split.link),
  ].join('; ');
  const budget = thresholds.latencyBudgetMs;
  let take: boolean;
  if (chosen) take = true;
  else if (thresholds.mode === 'prefer-local') take = !(local !== undefined && local <= budget) && best.totalMs < (cloud ?? Number.POSITIVE_INFINITY);
  else if (thresholds.mode === 'prefer-cloud') take = !(cloud !== undefined && cloud <= budget) && best.totalMs < (local ?? Number.POSITIVE_INFINITY);
  else take = best.totalMs < (1 - SPLIT_MARGIN) * Math.min(local ?? Number.POSITIVE_INFINITY, cloud ?? Number.POSITIVE_INFINITY);
  if (!take) return { ...base, estimates, reason: `${base.reason}; splits: ${described}` };
  return {
    where: 'split',
    split: best,
    reason: chosen
      ? `split at ${best.cut} (${best.encoding}) as asked: ${numbers}`
      : `${thresholds.mode}: split at ${best.cut} (${best.encoding}) is fastest: ${numbers}`,
    mode: thresholds.mode,
    privacy: thresholds.privacy,
    estimates,
    ...(base.localBlocked !== undefined ? { localBlocked: base.localBlocked } : {}),
    ...(base.cloudBlocked !== undefined ? { cloudBlocked: base.cloudBlocked } : {}),
    // A failed tail is finished here from the head's output.
    fallback: 'local',
  };
}
