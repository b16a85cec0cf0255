import type { Privacy, RoutingMode } from '@splitflow/contract';

/** Where a request runs. */
export type Where = 'local' | 'cloud';

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
  /** The route to try if the chosen one fails, when policy allows one. */
  fallback?: Where;
}
