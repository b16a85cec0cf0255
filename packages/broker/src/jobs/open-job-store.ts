import { isAbsolute, resolve } from 'node:path';
import type { BrokerConfig } from '@splitflow/contract';
import type { Logger } from '../observability/logger.js';
import type { JobStore } from './job-store.js';
import { createMemoryJobStore } from './memory-store.js';
import { connectRedis } from './redis-client.js';
import { redisEvents } from './redis-events.js';
import { createRedisJobStore } from './redis-store.js';
import { createSqliteJobStore } from './sqlite-store.js';

/** The job store `config.jobs` names: SQLite (the default, a file under `baseDir`), Redis or memory. */
export async function openJobStore(config: BrokerConfig, baseDir: string, logger: Logger): Promise<JobStore> {
  const jobs = config.jobs ?? {};
  switch (jobs.store ?? 'sqlite') {
    case 'memory':
      return createMemoryJobStore();
    case 'redis': {
      // validateBrokerConfig made sure there is a url.
      const redis = await connectRedis(jobs.url as string, { setting: 'jobs.url', name: 'splitflow-broker-jobs', ...redisEvents(logger, 'job store') });
      return createRedisJobStore(redis, {
        ...(jobs.prefix !== undefined ? { prefix: jobs.prefix } : {}),
        leaseMs: (jobs.leaseS ?? 30) * 1000,
        retentionS: jobs.retentionS ?? 86_400,
      });
    }
    default: {
      const path = jobs.path ?? 'splitflow-jobs.db';
      return createSqliteJobStore(isAbsolute(path) ? path : resolve(baseDir, path));
    }
  }
}
