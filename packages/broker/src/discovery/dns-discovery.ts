import { Resolver } from 'node:dns/promises';
import type { BrokerPool, DnsDiscovery } from '@splitflow/contract';
import { addEndpoint, type PoolState, removeEndpoint } from '../scheduler/pool-state.js';

export interface DiscoveryEvents {
  onJoin?(pool: PoolState, url: string): void;
  onLeave?(pool: PoolState, url: string): void;
  /** A lookup failed for another reason than "no such name": membership is kept as it was. */
  onError?(pool: PoolState, error: Error): void;
}

/** The part of node's DNS resolver discovery uses: a seam for tests that need no DNS server. */
export interface DnsLookup {
  resolve4(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<{ name: string; port: number }[]>;
}

export interface Discovery {
  /** Resolves every discovered pool once, applying joins and leaves; resolves when done. */
  refresh(): Promise<void>;
  start(): void;
  stop(): void;
}

// "No such name" or "no records": the Service has no ready pods, so none of its endpoints remain.
const EMPTY = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

function resolverFor(dns: DnsDiscovery): DnsLookup {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (dns.servers) resolver.setServers(dns.servers);
  return resolver;
}

async function lookup(dns: DnsDiscovery, resolver: DnsLookup): Promise<Set<string>> {
  const scheme = dns.scheme ?? 'http';
  try {
    if ((dns.record ?? 'A') === 'SRV') {
      const records = await resolver.resolveSrv(dns.name);
      return new Set(records.map((r) => `${scheme}://${r.name}:${r.port}`));
    }
    const addresses = await resolver.resolve4(dns.name);
    return new Set(addresses.map((a) => `${scheme}://${a}:${dns.port}`));
  } catch (error) {
    if (EMPTY.has((error as NodeJS.ErrnoException).code ?? '')) return new Set();
    throw error;
  }
}

/**
 * Keeps the pools that name `discovery.dns` in step with DNS: a Kubernetes headless Service lists one
 * A record per ready pod (and SRV records per named port), so pods that start join and pods that stop
 * leave, without a config edit or a restart. Endpoints listed in the config are never removed.
 */
export function createDnsDiscovery(
  pools: readonly PoolState[],
  configs: readonly BrokerPool[],
  events: DiscoveryEvents = {},
  options: { lookup?: (dns: DnsDiscovery) => DnsLookup } = {},
): Discovery {
  const watched = configs.flatMap((config) => {
    const dns = config.discovery?.dns;
    const pool = pools.find((p) => p.name === config.name);
    if (dns === undefined || pool === undefined) return [];
    return [{ pool, dns, resolver: (options.lookup ?? resolverFor)(dns), found: new Set<string>(), timer: undefined as NodeJS.Timeout | undefined }];
  });
  let stopped = true;

  async function refreshOne(w: (typeof watched)[number]): Promise<void> {
    let now: Set<string>;
    try {
      now = await lookup(w.dns, w.resolver);
    } catch (error) {
      events.onError?.(w.pool, error as Error);
      return;
    }
    for (const url of now) {
      if (w.found.has(url)) continue;
      // Listed in the config: already a member, and never removed by DNS.
      if (w.pool.endpoints.some((e) => e.url === url)) continue;
      w.found.add(url);
      addEndpoint(w.pool, url, false, w.dns.kind);
      events.onJoin?.(w.pool, url);
    }
    for (const url of [...w.found]) {
      if (now.has(url)) continue;
      w.found.delete(url);
      if (removeEndpoint(w.pool, url)) events.onLeave?.(w.pool, url);
    }
  }

  const refresh = async () => {
    await Promise.all(watched.map(refreshOne));
  };

  return {
    refresh,
    start() {
      if (!stopped) return;
      stopped = false;
      for (const w of watched) {
        const tick = () => {
          void refreshOne(w).finally(() => {
            if (!stopped) w.timer = setTimeout(tick, w.dns.intervalMs ?? 5000).unref();
          });
        };
        tick();
      }
    },
    stop() {
      stopped = true;
      for (const w of watched) clearTimeout(w.timer);
    },
  };
}
