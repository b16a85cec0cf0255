import { closeRedis, type RedisClient } from '../jobs/redis-client.js';

/**
 * Registered workers as every broker replica sees them: per pool, a sorted set in the jobs Redis of
 * worker URLs scored by when their registration expires. Expiry is stamped and read on the Redis
 * server's clock (TIME in the scripts), so replicas with different clocks agree on who is in.
 */
const ANNOUNCE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1`;

const MEMBERS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

interface RegistrationScripts {
  sfAnnounce(key: string, url: string, ttlMs: number): Promise<number>;
  sfMembers(key: string): Promise<string[]>;
}

export interface SharedRegistrations {
  /** The worker is in the pool for `ttlMs` more, for every replica. */
  announce(pool: string, url: string, ttlMs: number): Promise<void>;
  /** The worker leaves the pool, for every replica. */
  withdraw(pool: string, url: string): Promise<void>;
  /** The workers whose registration has not expired. */
  members(pool: string): Promise<string[]>;
  close(): Promise<void>;
}

export function createRedisRegistrations(redis: RedisClient, options: { prefix?: string } = {}): SharedRegistrations {
  const prefix = options.prefix ?? 'splitflow:';
  const key = (pool: string) => `${prefix}endpoints:${pool}`;
  redis.defineCommand('sfAnnounce', { numberOfKeys: 1, lua: ANNOUNCE });
  redis.defineCommand('sfMembers', { numberOfKeys: 1, lua: MEMBERS });
  const scripts = redis as unknown as RegistrationScripts;
  return {
    async announce(pool, url, ttlMs) {
      await scripts.sfAnnounce(key(pool), url, Math.ceil(ttlMs));
    },
    async withdraw(pool, url) {
      await redis.zrem(key(pool), url);
    },
    members: (pool) => scripts.sfMembers(key(pool)),
    close: () => closeRedis(redis),
  };
}
