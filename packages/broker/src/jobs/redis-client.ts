import { isSplitflowError, SplitflowError } from '@splitflow/contract';
import { Redis } from 'ioredis';

// The one file that imports ioredis: the job store and the shared rate limiter get their
// connections here.

export type { Redis as RedisClient } from 'ioredis';

export interface ConnectRedisOptions {
  /** The config setting the URL came from, named in errors (`jobs.url`). */
  setting: string;
  /** Shown to Redis in CLIENT LIST. */
  name: string;
  /** The connection failed while serving (once per outage; ioredis reconnects by itself). */
  onError?: (error: Error) => void;
  /** The connection is back after an outage. */
  onReady?: () => void;
  /** @default 5000 */
  connectTimeoutMs?: number;
}

/** The URL without its password, for errors and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Connects and checks the server with PING, or throws a startup error that names the setting and the
 * URL (never its password). Once connected, a lost connection is retried forever (backing off to 2 s)
 * and commands fail at once while it is down (no offline queue), so callers answer 503 instead of
 * waiting or piling requests up in memory.
 */
export async function connectRedis(url: string, options: ConnectRedisOptions): Promise<Redis> {
  let connected = false;
  let lastError: Error | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // A command stuck on a half-open connection fails rather than holding its request forever.
    commandTimeout: 10_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // At startup one failure is final (the error below says why); later, keep trying.
    retryStrategy: (times) => (connected ? Math.min(100 * times, 2000) : null),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    lastError = error;
    if (connected && !down) {
      down = true;
      options.onError?.(error);
    }
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.onReady?.();
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const why = (lastError ?? (error as Error)).message;
    throw new SplitflowError('INVALID_DOCUMENT', {
      message: `${options.setting}: cannot reach Redis at ${redactRedisUrl(url)}: ${why}; start it or fix ${options.setting}`,
      details: { issues: [{ path: options.setting, message: `cannot reach Redis: ${why}` }] },
    });
  }
  connected = true;
  return redis;
}

/** Any failure of a Redis command while serving, as the retryable 503 clients get. */
export function storeUnavailable(error: unknown, what: string): SplitflowError {
  if (isSplitflowError(error)) return error;
  return new SplitflowError('OVERLOADED', {
    message: `${what}: the Redis store cannot be reached now (${(error as Error).message})`,
    details: { store: 'redis' },
    retryAfterS: 1,
    cause: error,
  });
}

/** Closes politely when connected, at once otherwise (QUIT would wait on a connection that is down). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through
    }
  }
  redis.disconnect();
}
