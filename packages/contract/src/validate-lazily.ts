import { isModelCatalog, isRoutingPolicy } from './precompiled/checks.js';
import type { ModelCatalog } from './schema/catalog.js';
import type { RoutingPolicy } from './schema/policy.js';
import { checkCatalogSemantics, throwIssues } from './semantics.js';

// `validateCatalog` and `validatePolicy` for clients: a valid document passes a precompiled check, so
// the schema validator (TypeBox) is loaded, as a separate chunk in an app's bundle, only to say what is
// wrong with an invalid one. Errors are the same SplitflowError with the same issues either way.

export async function validateCatalogLazily(value: unknown): Promise<ModelCatalog> {
  if (!isModelCatalog(value)) return (await import('./validate.js')).validateCatalog(value);
  const issues = checkCatalogSemantics(value);
  if (issues.length > 0) throwIssues('model catalog', issues, 'INVALID_DOCUMENT');
  return value;
}

export async function validatePolicyLazily(value: unknown): Promise<RoutingPolicy> {
  return isRoutingPolicy(value) ? value : (await import('./validate.js')).validatePolicy(value);
}
