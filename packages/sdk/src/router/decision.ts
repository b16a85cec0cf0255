import type { Privacy, RoutingMode } from '@splitflow/contract/core';

import type { SplitEstimate } from './split-candidates.js';

/** Where a request runs: whole on the device, whole in the cloud, or the head here and the tail there. */
export type Where = 'local' | 'cloud' | 'split';

/** The numbers behind a local estimate, in ms. */
export interface LocalEstimate {
  totalMs: number;
  computeMs: number;
  /** Download of model files not yet in the cache; 0 once cached. */
  downloadMs: number;
  /** Session creation, paid once per model; 0 once the session is warm. */
  compileMs: number;
  /** Where the compute figure came from: this device's own runs, or the prior from the probe. */
  source: 'measured' | 'prior';
  backend: string;
}

/** The numbers behind a cloud estimate, in ms. */
export interface CloudEstimate {
  totalMs: number;
  transferMs: number;
  rttMs: number;
  queueMs: number;
  computeMs: number;
  source: 'measured' | 'prior';
}

export interface RouteEstimates {
  budgetMs: number;
  local?: LocalEstimate;
  cloud?: CloudEstimate;
  /** Every split candidate (one per cut, in its smallest allowed encoding), fastest first. */
  split?: SplitEstimate[];
}

/** One routing decision, with its reason and every number it used. */
export interface RouteDecision {
  where: Where;
  /** A sentence a person can read: why this route. */
  reason: string;
  mode: RoutingMode;
  privacy: Privacy;
  estimates: RouteEstimates;
  /** Why the local route was ruled out, when it was. */
  localBlocked?: string;
  /** Why the cloud route was ruled out, when it was. */
  cloudBlocked?: string;
  /** Why no split was considered, when none was. */
  splitBlocked?: string;
  /** The chosen split, when `where` is `split`. */
  split?: SplitEstimate;
  /**
   * The route to try if the chosen one fails, when policy allows one. For a split it is `local`: the
   * device finishes the tail from the head's output (a failed head sends the request whole to the
   * cloud, where privacy allows).
   */
  fallback?: Where;
}
