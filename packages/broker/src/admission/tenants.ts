import { createHash, timingSafeEqual } from 'node:crypto';
import { type AnonymousAccess, type RateLimit, SplitflowError, type TenantConfig } from '@splitflow/contract';
import { createTokenBucket, type TokenBucket } from './token-bucket.js';

export const ANONYMOUS = 'anonymous';

export interface Tenant {
  readonly id: string;
  readonly maxConcurrency: number;
  readonly rateLimit: RateLimit | undefined;
  /** This broker's own bucket: the rate limit, unless a shared limiter enforces it (then its fallback). */
  readonly bucket: TokenBucket | undefined;
  inFlight: number;
}

/** A slot a request holds while it runs; release it exactly once. */
export interface Admission {
  tenant: Tenant;
  release(): void;
}

export interface TenantRegistry {
  /** The tenant of an `Authorization` header value, or 401 UNAUTHORIZED. */
  authenticate(authorization: string | undefined): Tenant;
  /**
   * Rate limit and, for sync work, a concurrency slot; or 429 RATE_LIMITED with Retry-After.
   * `checkRate: false` leaves the rate to a shared limiter (Redis) and checks concurrency only.
   */
  admit(tenant: Tenant, holdSlot: boolean, checkRate?: boolean): Admission;
}

/** The 429 for a tenant over its rate, `waitMs` before a request would pass. */
export function rateLimited(tenant: Tenant, waitMs: number): SplitflowError {
  return new SplitflowError('RATE_LIMITED', {
    message: `tenant "${tenant.id}" is over its request rate`,
    details: { tenant: tenant.id, limit: 'rate' },
    retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}

const digest = (key: string) => createHash('sha256').update(key).digest();

export function createTenantRegistry(
  tenants: readonly TenantConfig[] = [],
  anonymous?: AnonymousAccess,
  now: () => number = () => performance.now(),
): TenantRegistry {
  const make = (id: string, quota: AnonymousAccess): Tenant => ({
    id,
    maxConcurrency: quota.maxConcurrency ?? Number.POSITIVE_INFINITY,
    rateLimit: quota.rateLimit,
    bucket: quota.rateLimit ? createTokenBucket(quota.rateLimit, now()) : undefined,
    inFlight: 0,
  });
  // Keys are looked up by their SHA-256 and then compared in constant time, so neither the lookup
  // nor the comparison leaks how much of a guessed key was right.
  const byDigest = new Map<string, { key: Buffer; tenant: Tenant }>();
  for (const config of tenants) {
    const tenant = make(config.id, config);
    for (const key of config.apiKeys) {
      const d = digest(key);
      byDigest.set(d.toString('hex'), { key: d, tenant });
    }
  }
  const anonymousTenant = anonymous ? make(ANONYMOUS, anonymous) : undefined;

  function authenticate(authorization: string | undefined): Tenant {
    if (authorization === undefined || authorization === '') {
      if (anonymousTenant) return anonymousTenant;
      throw new SplitflowError('UNAUTHORIZED', { message: 'an API key is required: send "Authorization: Bearer <key>"' });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new SplitflowError('UNAUTHORIZED', { message: 'the Authorization header must be "Bearer <key>"' });
    const d = digest(match[1] as string);
    const entry = byDigest.get(d.toString('hex'));
    if (!entry || !timingSafeEqual(entry.key, d)) throw new SplitflowError('UNAUTHORIZED', { message: 'unknown API key' });
    return entry.tenant;
  }

  function admit(tenant: Tenant, holdSlot: boolean, checkRate = true): Admission {
    if (holdSlot && tenant.inFlight >= tenant.maxConcurrency) {
      throw new SplitflowError('RATE_LIMITED', {
        message: `tenant "${tenant.id}" has ${tenant.inFlight} requests in flight, its limit`,
        details: { tenant: tenant.id, limit: 'concurrency' },
        retryAfterS: 1,
      });
    }
    const waitMs = checkRate ? (tenant.bucket?.take(now()) ?? 0) : 0;
    if (waitMs > 0) throw rateLimited(tenant, waitMs);
    if (!holdSlot) return { tenant, release: () => {} };
    tenant.inFlight++;
    let released = false;
    return {
      tenant,
      release() {
        if (released) return;
        released = true;
        tenant.inFlight--;
      },
    };
  }

  return { authenticate, admit };
}
