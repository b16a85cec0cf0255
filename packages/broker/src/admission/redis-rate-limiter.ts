import { closeRedis, type RedisClient } from '../jobs/redis-client.js';
import { rateLimited, type Tenant } from './tenants.js';

/**
 * GCRA (the token bucket as one timestamp, the "theoretical arrival time") in one script, on the
 * Redis server's clock so brokers with different clocks share one schedule. KEYS: the tenant's key.
 * ARGV: ms per request (1000 / requestsPerSecond), burst. Returns 0 when admitted, else the ms until a
 * request would be. The key expires once the bucket would be full again.
 */
const GCRA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat + interval - now - burst * interval
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], string.format('%.3f', tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
return 0`;

interface RateScripts {
  sfRateTake(key: string, intervalMs: number, burst: number): Promise<number>;
}

export interface SharedRateLimiterOptions {
  /** Key prefix, shared with the job store. @default 'splitflow:' */
  prefix?: string;
  /** Redis failed a check; the broker's own bucket decided instead. Called once per outage. */
  onFallback?: (error: unknown) => void;
  /** A check passed through Redis again after an outage. */
  onRecovered?: () => void;
}

export interface SharedRateLimiter {
  /**
   * Takes one request from the tenant's rate as all brokers on this Redis see it, or throws 429
   * RATE_LIMITED. While Redis cannot be reached the broker's own bucket decides (each broker then
   * allows the full rate: limits loosen, inference keeps working).
   */
  admit(tenant: Tenant): Promise<void>;
  close(): Promise<void>;
}

/** Tenant rate limits enforced in Redis, one script call per admitted request. Takes ownership of `redis`. */
export function createRedisRateLimiter(redis: RedisClient, options: SharedRateLimiterOptions = {}): SharedRateLimiter {
  const prefix = `${options.prefix ?? 'splitflow:'}rate:`;
  redis.defineCommand('sfRateTake', { numberOfKeys: 1, lua: GCRA });
  const scripts = redis as unknown as RateScripts;
  let down = false;
  return {
    async admit(tenant) {
      const limit = tenant.rateLimit;
      if (limit === undefined) return;
      let waitMs: number;
      try {
        waitMs = await scripts.sfRateTake(`${prefix}${tenant.id}`, 1000 / limit.requestsPerSecond, limit.burst);
        if (down) {
          down = false;
          options.onRecovered?.();
        }
      } catch (error) {
        if (!down) {
          down = true;
          options.onFallback?.(error);
        }
        waitMs = tenant.bucket?.take(performance.now()) ?? 0;
      }
      if (waitMs > 0) throw rateLimited(tenant, waitMs);
    },
    close: () => closeRedis(redis),
  };
}
