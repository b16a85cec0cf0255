import { type Priority, type Privacy, type RoutingMode, SplitflowError, type Tensor } from '@splitflow/contract/core';
import type { Route, SplitflowClient } from '../../client/types.js';
import type { Where } from '../../router/decision.js';

/** How one stage may be routed; unset fields take the client's policy. */
export interface StageOptions {
  mode?: RoutingMode;
  privacy?: Privacy;
  priority?: Priority;
}

/** One `infer` call of a stage: how many items it carried, where it ran and what came back. */
export interface StageCall {
  items: number;
  route: Route;
  /** The model's raw outputs, for a look at the tensors behind the result. */
  outputs: Record<string, Tensor>;
}

/** What one stage did: its share of the deadline, its calls and the routes the router picked. */
export interface StageReport {
  stage: string;
  model: string;
  /** The share of the pipeline's deadline this stage was given. */
  budgetMs: number;
  elapsedMs: number;
  /** `mixed` when its calls ran on both sides. */
  where: Where | 'mixed';
  calls: StageCall[];
}

export function stageWhere(calls: readonly StageCall[]): StageReport['where'] {
  const sides = new Set(calls.map((c) => c.route.where));
  return sides.size === 1 ? ([...sides][0] as Where) : 'mixed';
}

/** Runs one call of a stage through the client, so the router picks its route on its own. */
export async function runStageCall(
  client: SplitflowClient,
  model: string,
  inputs: Record<string, Tensor>,
  items: number,
  budgetMs: number,
  options: StageOptions & { signal?: AbortSignal },
): Promise<StageCall> {
  const { outputs, route } = await client.infer(model, inputs, { ...options, latencyBudgetMs: budgetMs });
  return { items, route, outputs };
}

/**
 * A pipeline's clock: each stage gets the part of what is left of the deadline in proportion to its
 * expected work among the stages still to run, so a slow first stage squeezes the later ones
 * instead of blowing the whole deadline. Work in FLOPs says nothing of a call's fixed costs (a round
 * trip, a queue), so a stage never gets less than 1 / (2 n) of what is left, n counting it and the
 * stages after it.
 */
export interface DeadlineShare {
  /** The budget for the next stage, given the expected work of it and of the `laterStages` after it. */
  next(stage: string, work: number, laterWork: number, laterStages?: number): number;
  elapsedMs(): number;
}

export function createDeadlineShare(totalMs: number, now: () => number = () => performance.now()): DeadlineShare {
  if (!(Number.isFinite(totalMs) && totalMs > 0))
    throw new SplitflowError('INVALID_REQUEST', { message: `a pipeline's latencyBudgetMs must be > 0, got ${totalMs}` });
  const started = now();
  return {
    next(stage, work, laterWork, laterStages = 0) {
      const left = totalMs - (now() - started);
      if (left <= 0) {
        throw new SplitflowError('TIMEOUT', { message: `the pipeline's ${totalMs} ms deadline passed before stage "${stage}"`, details: { stage } });
      }
      if (laterStages <= 0) return left;
      const mine = Math.max(0, work);
      const rest = Math.max(0, laterWork);
      const byWork = mine + rest > 0 ? mine / (mine + rest) : 1 / (1 + laterStages);
      return left * Math.max(byWork, 1 / (2 * (1 + laterStages)));
    },
    elapsedMs: () => now() - started,
  };
}
