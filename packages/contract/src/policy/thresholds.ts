import type { RoutingPolicy, RoutingThresholds } from '../schema/policy.js';

// The routing vocabulary and defaults as plain values: a client resolves thresholds without bundling the schemas.

export const ROUTING_MODES = ['auto', 'prefer-local', 'prefer-cloud', 'local-only', 'cloud-only'] as const;

export const DEFAULT_THRESHOLDS: RoutingThresholds = Object.freeze({
  maxLocalModelBytes: 64 * 1024 * 1024,
  minDeviceGflops: 0.05,
  latencyBudgetMs: 1000,
  privacy: 'any',
  mode: 'auto',
});

/** Thresholds in force for one model: catalog defaults, then the policy, then its per-model part. */
export function resolveThresholds(model: string, base: RoutingThresholds, policy: RoutingPolicy = {}): RoutingThresholds {
  const { models, ...global } = policy;
  return { ...base, ...stripUndefined(global), ...stripUndefined(models?.[model] ?? {}) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
