import type { BrokerConfig } from '@splitflow/contract';
import { connectRedis } from '../jobs/redis-client.js';
import { redisEvents } from '../jobs/redis-events.js';
import type { Logger } from '../observability/logger.js';
import { createRedisRegistrations, type SharedRegistrations } from './redis-registrations.js';

/** Registrations shared by the broker replicas on the jobs' Redis, when `registration.store` is `redis`; else none. */
export async function openSharedRegistrations(config: BrokerConfig, logger: Logger): Promise<SharedRegistrations | undefined> {
  if (config.registration?.store !== 'redis') return undefined;
  const redis = await connectRedis(config.jobs?.url as string, {
    setting: 'jobs.url',
    name: 'splitflow-broker-registrations',
    ...redisEvents(logger, 'registrations'),
  });
  return createRedisRegistrations(redis, config.jobs?.prefix !== undefined ? { prefix: config.jobs.prefix } : {});
}
