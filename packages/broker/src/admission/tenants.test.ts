import { isSplitflowError, type SplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createTenantRegistry } from './tenants.js';

const KEY = 'acme-key-0123456789';

function error(fn: () => unknown): SplitflowError {
  try {
    fn();
  } catch (e) {
    if (isSplitflowError(e)) return e;
    throw e;
  }
  throw new Error('expected a SplitflowError');
}

describe('tenant registry', () => {
  it('maps a bearer key to its tenant and refuses missing, malformed and unknown keys with 401', () => {
    const r = createTenantRegistry([{ id: 'acme', apiKeys: [KEY] }]);
    expect(r.authenticate(`Bearer ${KEY}`).id).toBe('acme');
    expect(r.authenticate(`bearer  ${KEY} `).id).toBe('acme');
    for (const header of [undefined, '', KEY, 'Basic abc', `Bearer ${KEY}x`, 'Bearer ']) {
      const e = error(() => r.authenticate(header));
      expect(e.code).toBe('UNAUTHORIZED');
      expect(e.status).toBe(401);
      expect(e.message).not.toContain(KEY);
    }
  });

  it('admits requests without a key as "anonymous" only when configured, but never an unknown key', () => {
    const r = createTenantRegistry([{ id: 'acme', apiKeys: [KEY] }], {});
    expect(r.authenticate(undefined).id).toBe('anonymous');
    expect(error(() => r.authenticate('Bearer nope-nope-nope-nope')).code).toBe('UNAUTHORIZED');
  });

  it('limits the rate with a token bucket and says when to retry', () => {
    let t = 0;
    const r = createTenantRegistry([{ id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 2, burst: 3 } }], undefined, () => t);
    const tenant = r.authenticate(`Bearer ${KEY}`);
    for (let i = 0; i < 3; i++) r.admit(tenant, false);
    const e = error(() => r.admit(tenant, false));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.status).toBe(429);
    expect(e.retryAfterS).toBe(1);
    t = 499;
    expect(error(() => r.admit(tenant, false)).code).toBe('RATE_LIMITED');
    t = 501;
    expect(() => r.admit(tenant, false)).not.toThrow();
  });

  it('leaves the rate to a shared limiter when told to, still holding concurrency slots', () => {
    const r = createTenantRegistry([{ id: 'acme', apiKeys: [KEY], rateLimit: { requestsPerSecond: 1, burst: 1 }, maxConcurrency: 1 }], undefined, () => 0);
    const tenant = r.authenticate(`Bearer ${KEY}`);
    expect(tenant.rateLimit).toEqual({ requestsPerSecond: 1, burst: 1 });
    for (let i = 0; i < 5; i++) r.admit(tenant, false, false);
    const slot = r.admit(tenant, true, false);
    expect(error(() => r.admit(tenant, true, false)).details).toMatchObject({ limit: 'concurrency' });
    slot.release();
    // Its own bucket was never drawn on, so it can take over (the fallback) with the full burst.
    r.admit(tenant, false);
    expect(error(() => r.admit(tenant, false)).details).toMatchObject({ limit: 'rate' });
  });

  it('holds concurrency slots until released, once each', () => {
    const r = createTenantRegistry([{ id: 'acme', apiKeys: [KEY], maxConcurrency: 2 }]);
    const tenant = r.authenticate(`Bearer ${KEY}`);
    const a = r.admit(tenant, true);
    r.admit(tenant, true);
    expect(error(() => r.admit(tenant, true)).details).toMatchObject({ limit: 'concurrency' });
    a.release();
    a.release();
    r.admit(tenant, true);
    expect(error(() => r.admit(tenant, true)).code).toBe('RATE_LIMITED');
    // Async submissions take no slot.
    expect(() => r.admit(tenant, false)).not.toThrow();
  });
});
