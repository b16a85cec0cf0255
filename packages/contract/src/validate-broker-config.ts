import { SplitflowError } from './errors/splitflow-error.js';
import { BrokerConfig } from './schema/broker-config.js';
import { checkPoolSemantics, type ValidationIssue } from './semantics.js';
import { check } from './validate.js';

/** Rules JSON Schema cannot say: pool and tenant ids unique, no API key shared by two tenants, Redis settings complete. */
export function checkBrokerConfigSemantics(config: BrokerConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pools = new Set<string>();
  config.pools.forEach((p, i) => {
    if (pools.has(p.name)) issues.push({ path: `pools[${i}].name`, message: `duplicate pool name "${p.name}"` });
    pools.add(p.name);
    for (const issue of checkPoolSemantics(p)) issues.push({ path: `pools[${i}].${issue.path}`, message: issue.message });
  });
  const tenants = new Set<string>();
  const keys = new Set<string>();
  config.tenants?.forEach((t, i) => {
    if (t.id === 'anonymous') issues.push({ path: `tenants[${i}].id`, message: '"anonymous" is reserved for requests without a key' });
    if (tenants.has(t.id)) issues.push({ path: `tenants[${i}].id`, message: `duplicate tenant id "${t.id}"` });
    tenants.add(t.id);
    t.apiKeys.forEach((k, j) => {
      // Never echo a key into an error message or a log.
      if (keys.has(k)) issues.push({ path: `tenants[${i}].apiKeys[${j}]`, message: 'API key is already given to another tenant or twice' });
      keys.add(k);
    });
  });
  if (config.pools.some((p) => p.discovery?.register === true) && config.registration === undefined) {
    issues.push({ path: 'registration', message: 'required when a pool takes registered workers (discovery.register)' });
  }
  if (config.jobs?.store === 'redis' && config.jobs.url === undefined) issues.push({ path: 'jobs.url', message: 'required when store is "redis"' });
  if (config.limits?.rateLimitStore === 'redis' && config.jobs?.store !== 'redis') {
    issues.push({ path: 'limits.rateLimitStore', message: '"redis" uses the job store\'s Redis: set jobs.store to "redis" and jobs.url' });
  }
  if (config.registration?.store === 'redis' && config.jobs?.store !== 'redis') {
    issues.push({ path: 'registration.store', message: '"redis" uses the job store\'s Redis: set jobs.store to "redis" and jobs.url' });
  }
  return issues;
}

/** Validates a broker config (schema, then semantics); an error names every path and the rule it breaks. */
export function validateBrokerConfig(value: unknown): BrokerConfig {
  const issues = check(BrokerConfig, value);
  if (issues.length === 0) issues.push(...checkBrokerConfigSemantics(value as BrokerConfig));
  if (issues.length > 0) {
    const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    throw new SplitflowError('INVALID_DOCUMENT', { message: `invalid broker config: ${shown.join('; ')}${more}`, details: { issues } });
  }
  return value as BrokerConfig;
}
