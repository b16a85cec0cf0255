import { describe, expect, it } from 'vitest';
import { isSplitflowError } from './errors/splitflow-error.js';
import type { BrokerConfig } from './schema/broker-config.js';
import { validateBrokerConfig } from './validate-broker-config.js';

const pool = {
  name: 'cpu',
  hardware: 'cpu',
  protocol: 'oip-v2',
  endpoints: [{ url: 'http://127.0.0.1:8001' }],
  costPerHour: 0.5,
  maxConcurrency: 4,
  models: ['tiny'],
};
const good: BrokerConfig = {
  pools: [pool as BrokerConfig['pools'][number]],
  tenants: [{ id: 'acme', apiKeys: ['k'.repeat(16)], rateLimit: { requestsPerSecond: 10, burst: 5 }, maxConcurrency: 2 }],
  limits: { maxBodyBytes: 1 << 20 },
  cors: { origins: ['https://app.example.com', 'capacitor://localhost', '*', 'null'] },
  jobs: { store: 'sqlite', path: 'jobs.db' },
};

function issuesOf(value: unknown): { path: string; message: string }[] {
  try {
    validateBrokerConfig(value);
  } catch (error) {
    expect(isSplitflowError(error, 'INVALID_DOCUMENT')).toBe(true);
    return (error as { details: { issues: { path: string; message: string }[] } }).details.issues;
  }
  throw new Error('expected the config to be refused');
}

describe('validateBrokerConfig', () => {
  it('accepts a full config and returns it', () => {
    expect(validateBrokerConfig(good)).toBe(good);
  });

  it('takes a pool whose endpoints come from DNS, and refuses one with neither endpoints nor discovery', () => {
    const { endpoints: _, ...bare } = pool;
    const discovered = { ...bare, discovery: { dns: { name: 'workers.splitflow.svc.cluster.local', port: 8000 } } };
    expect(validateBrokerConfig({ ...good, pools: [discovered] })).toBeTruthy();
    expect(validateBrokerConfig({ ...good, pools: [{ ...bare, discovery: { dns: { name: '_http._tcp.workers', record: 'SRV' } } }] })).toBeTruthy();
    expect(issuesOf({ ...good, pools: [bare] })).toEqual([{ path: 'pools[0].endpoints', message: 'required unless discovery is set' }]);
    expect(issuesOf({ ...good, pools: [{ ...bare, discovery: { dns: { name: 'workers' } } }] })).toEqual([
      { path: 'pools[0].discovery.dns.port', message: 'required for A records' },
    ]);
  });

  it('names the path and the rule of each problem', () => {
    const issues = issuesOf({ ...good, pools: [{ ...pool, costPerHour: -1, hardware: 'fpga' }], limits: { maxAttempts: 0 } });
    expect(issues).toContainEqual({ path: 'pools[0].costPerHour', message: 'expected a number >= 0' });
    expect(issues).toContainEqual({ path: 'pools[0].hardware', message: 'expected one of gpu, tpu, cpu' });
    expect(issues).toContainEqual({ path: 'limits.maxAttempts', message: 'expected integer in [1, 10]' });
  });

  it('takes a placement policy and names the ones it knows', () => {
    expect(validateBrokerConfig({ ...good, placement: 'least-outstanding' }).placement).toBe('least-outstanding');
    expect(issuesOf({ ...good, placement: 'random' } as unknown as BrokerConfig)).toContainEqual({
      path: 'placement',
      message: 'expected one of cost-deadline, round-robin, least-outstanding',
    });
  });

  it('refuses unknown keys, short API keys and bad origins', () => {
    const issues = issuesOf({
      ...good,
      extra: 1,
      tenants: [{ id: 'a', apiKeys: ['short'] }],
      cors: { origins: ['app.example.com', 'capacitor://localhost/www'] },
    });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['extra', 'tenants[0].apiKeys[0]', 'cors.origins[0]', 'cors.origins[1]']));
  });

  it('refuses duplicate pools, tenants and shared keys without echoing the key', () => {
    const key = 's'.repeat(20);
    const issues = issuesOf({
      ...good,
      pools: [pool, pool],
      tenants: [
        { id: 'a', apiKeys: [key] },
        { id: 'a', apiKeys: [key] },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual(['pools[1].name', 'tenants[1].id', 'tenants[1].apiKeys[0]']);
    expect(JSON.stringify(issues)).not.toContain(key);
  });

  it('needs a url for the redis store and reserves the anonymous tenant id', () => {
    const issues = issuesOf({ ...good, tenants: [{ id: 'anonymous', apiKeys: ['x'.repeat(16)] }], jobs: { store: 'redis' } });
    expect(issues.map((i) => i.path)).toEqual(['tenants[0].id', 'jobs.url']);
  });

  it('accepts a shared Redis deployment and checks its prefix, lease and rate-limit store', () => {
    const redis: BrokerConfig = {
      ...good,
      jobs: { store: 'redis', url: 'redis://:pw@redis.internal:6379/0', prefix: 'prod-eu:', leaseS: 0.5, retentionS: 3600 },
      limits: { rateLimitStore: 'redis' },
    };
    expect(validateBrokerConfig(redis)).toBe(redis);
    expect(issuesOf({ ...redis, jobs: { ...redis.jobs, prefix: 'two words', leaseS: 0, url: 'http://x' } })).toEqual(
      expect.arrayContaining([
        { path: 'jobs.prefix', message: 'expected 1-64 characters without spaces' },
        { path: 'jobs.leaseS', message: expect.stringContaining('> 0') },
        { path: 'jobs.url', message: 'expected a redis:// URL' },
      ]),
    );
    expect(issuesOf({ ...good, limits: { rateLimitStore: 'redis' } })).toEqual([
      { path: 'limits.rateLimitStore', message: '"redis" uses the job store\'s Redis: set jobs.store to "redis" and jobs.url' },
    ]);
    expect(issuesOf({ ...good, limits: { rateLimitStore: 'shared' } }).map((i) => i.message)).toEqual(['expected one of local, redis']);
  });
});
