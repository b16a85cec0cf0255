import type { BrokerConfig } from '@splitflow/contract';
import { connectRedis } from '../jobs/redis-client.js';
import { redisEvents } from '../jobs/redis-events.js';
import type { Logger } from '../observability/logger.js';
import { createRedisRateLimiter, type SharedRateLimiter } from './redis-rate-limiter.js';

/** Tenants' rates shared by the brokers on the jobs' Redis, when `limits.rateLimitStore` is `redis`; else none. */
export async function openSharedRate(config: BrokerConfig, logger: Logger): Promise<SharedRateLimiter | undefined> {
  if (config.limits?.rateLimitStore !== 'redis') return undefined;
  const redis = await connectRedis(config.jobs?.url as string, {
    setting: 'jobs.url',
    name: 'splitflow-broker-rates',
    ...redisEvents(logger, 'rate limits'),
  });
  return createRedisRateLimiter(redis, {
    ...(config.jobs?.prefix !== undefined ? { prefix: config.jobs.prefix } : {}),
    onFallback: (error) => logger.warn({ err: error }, "shared rate limits unavailable: each broker applies tenants' rates on its own"),
    onRecovered: () => logger.info('shared rate limits available again'),
  });
}
