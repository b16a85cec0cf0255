import type { Logger } from '../observability/logger.js';

/** Redis connection trouble while serving, logged once per outage (requests answer 503 meanwhile). */
export function redisEvents(logger: Logger, what: string) {
  return {
    onError: (error: Error) => logger.error({ err: error, what }, 'lost the connection to Redis; reconnecting'),
    onReady: () => logger.info({ what }, 'connected to Redis again'),
  };
}
