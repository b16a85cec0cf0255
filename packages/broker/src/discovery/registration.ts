import { timingSafeEqual } from 'node:crypto';
import { type BrokerPool, type RegistrationConfig, SplitflowError } from '@splitflow/contract';
import { addEndpoint, type PoolState, removeEndpoint } from '../scheduler/pool-state.js';
import type { DiscoveryEvents } from './dns-discovery.js';
import type { SharedRegistrations } from './redis-registrations.js';

export interface Registering {
  pool: string;
  url: string;
  models: string[];
  hardware?: string;
  /** How long the worker's process has run, ms: the broker measures start-ups from it. */
  uptimeMs?: number;
}

export interface EndpointRegistry {
  /** Checks the token (throws UNAUTHORIZED). */
  authenticate(authorization: string | undefined): void;
  /** Joins or heartbeats; throws a typed 400/404 for a pool that takes no registrations or a worker that cannot serve it. */
  heartbeat(input: Registering): { heartbeatMs: number; ttlMs: number };
  /** A worker says it leaves: no new work goes there. */
  leave(pool: string, url: string): boolean;
  /** Drops endpoints not heard from within the TTL; returns their URLs. */
  sweep(): string[];
  /**
   * With a shared store: takes in the workers other replicas heard from, and lets go of those that
   * left or expired there (unless one heartbeat to this replica just now). Without one: nothing.
   */
  sync(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface RegistryEvents extends DiscoveryEvents {
  /** The shared store failed; membership carries on from what this replica hears itself. */
  onSharedError?(error: Error): void;
}

/**
 * Workers that join pools by announcing themselves. A registration names the pool, the worker's URL
 * and what it serves; the worker must serve every model of the pool (a worker that cannot would only
 * turn into 404s per request). Heartbeats keep it in; one that stops heartbeating (a crash, a
 * preempted machine) leaves after `ttlMs`. Endpoints join ejected and are admitted by a ready probe.
 * With `shared` (the jobs Redis), each heartbeat is also written there and every replica takes in the
 * workers the others heard from: a worker heartbeats to one replica behind a Service and all use it.
 */
export function createEndpointRegistry(
  pools: readonly PoolState[],
  configs: readonly BrokerPool[],
  config: RegistrationConfig,
  events: RegistryEvents = {},
  now: () => number = () => performance.now(),
  shared?: SharedRegistrations,
): EndpointRegistry {
  const heartbeatMs = config.heartbeatMs ?? 1000;
  const ttlMs = config.ttlMs ?? Math.max(3500, 3.5 * heartbeatMs);
  const open = new Set(configs.filter((c) => c.discovery?.register === true).map((c) => c.name));
  const tokens = config.tokens.map((t) => Buffer.from(t));
  // pool -> url -> last heard from.
  const seen = new Map<string, Map<string, number>>();
  let timer: NodeJS.Timeout | undefined;

  const poolNamed = (name: string): PoolState => {
    const pool = pools.find((p) => p.name === name);
    if (pool === undefined || !open.has(name)) {
      throw new SplitflowError('INVALID_REQUEST', {
        message: `pool "${name}" takes no registered workers; pools that do: ${[...open].join(', ') || 'none'}`,
        details: { pool: name },
      });
    }
    return pool;
  };

  const sharedFailed = (error: unknown) => events.onSharedError?.(error instanceof Error ? error : new Error(String(error)));

  function join(pool: PoolState, url: string, uptimeMs?: number): void {
    const urls = seen.get(pool.name) ?? new Map<string, number>();
    seen.set(pool.name, urls);
    const known = urls.has(url) && pool.endpoints.some((e) => e.url === url);
    urls.set(url, now());
    if (!known) {
      const endpoint = addEndpoint(pool, url, false);
      if (uptimeMs !== undefined && Number.isFinite(uptimeMs) && uptimeMs >= 0 && !endpoint.healthy) endpoint.startedAt = now() - uptimeMs;
      events.onJoin?.(pool, url);
    }
  }

  function leaveAt(pool: PoolState, url: string): boolean {
    seen.get(pool.name)?.delete(url);
    const gone = removeEndpoint(pool, url) !== undefined;
    if (gone) events.onLeave?.(pool, url);
    return gone;
  }

  return {
    authenticate(authorization) {
      const presented = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
      if (!tokens.some((t) => t.length === presented.length && timingSafeEqual(t, presented))) {
        throw new SplitflowError('UNAUTHORIZED', { message: 'a registration token is required (Authorization: Bearer <token>)' });
      }
    },
    heartbeat(input) {
      const pool = poolNamed(input.pool);
      if (!/^https?:\/\/[^\s/]+/.test(input.url))
        throw new SplitflowError('INVALID_REQUEST', { message: `url must be the worker's http(s) URL, got "${input.url}"` });
      const missing = [...pool.models].filter((m) => !input.models.includes(m));
      if (missing.length > 0) {
        throw new SplitflowError('INVALID_REQUEST', {
          message: `the worker at ${input.url} does not serve ${missing.join(', ')}, which pool "${pool.name}" serves`,
          details: { pool: pool.name, missing },
        });
      }
      const url = input.url.replace(/\/+$/, '');
      join(pool, url, input.uptimeMs);
      shared?.announce(pool.name, url, ttlMs).catch(sharedFailed);
      return { heartbeatMs, ttlMs };
    },
    leave(poolName, url) {
      const pool = poolNamed(poolName);
      const normalized = url.replace(/\/+$/, '');
      shared?.withdraw(pool.name, normalized).catch(sharedFailed);
      return leaveAt(pool, normalized);
    },
    async sync() {
      if (!shared) return;
      for (const name of open) {
        const pool = pools.find((p) => p.name === name);
        if (pool === undefined) continue;
        let members: string[];
        try {
          members = await shared.members(name);
        } catch (error) {
          sharedFailed(error);
          return;
        }
        const listed = new Set(members);
        for (const url of listed) join(pool, url);
        const t = now();
        // Gone from the store (left, or expired there); a heartbeat this replica got just now may not be written yet.
        for (const [url, at] of seen.get(name) ?? []) if (!listed.has(url) && t - at > heartbeatMs) leaveAt(pool, url);
      }
    },
    sweep() {
      const t = now();
      const dropped: string[] = [];
      for (const [name, urls] of seen) {
        const pool = pools.find((p) => p.name === name) as PoolState;
        for (const [url, at] of urls) if (t - at > ttlMs && leaveAt(pool, url)) dropped.push(url);
      }
      return dropped;
    },
    start() {
      let syncing = false;
      timer ??= setInterval(
        () => {
          this.sweep();
          if (shared && !syncing) {
            syncing = true;
            void this.sync().finally(() => {
              syncing = false;
            });
          }
        },
        Math.max(50, heartbeatMs / 2),
      ).unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
