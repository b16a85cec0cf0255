import type { HealthConfig } from '@splitflow/contract';
import type { Upstream } from '../proxy/upstream.js';
import { type EndpointState, type PoolState, setHealthy, setLoaded } from '../scheduler/pool-state.js';

export interface HealthChecker {
  /** One probe of every endpoint; resolves when all have answered or timed out. */
  probeAll(): Promise<void>;
  /** A proxied request failed without an answer or with a 5xx: counts like a failed probe. */
  reportFailure(endpoint: EndpointState): void;
  reportSuccess(endpoint: EndpointState): void;
  start(): void;
  stop(): void;
}

export interface HealthEvents {
  onChange?(endpoint: EndpointState, healthy: boolean, why: string): void;
}

/**
 * Ejects an endpoint after `unhealthyAfter` consecutive failures (probes, as its kind's adapter makes
 * them, or proxied requests) and readmits it after `healthyAfter` passing probes. Ejected endpoints are still
 * probed, which is how they come back.
 */
export function createHealthChecker(pools: readonly PoolState[], upstream: Upstream, config: HealthConfig = {}, events: HealthEvents = {}): HealthChecker {
  const intervalMs = config.intervalMs ?? 1000;
  const timeoutMs = config.timeoutMs ?? 500;
  const unhealthyAfter = config.unhealthyAfter ?? 2;
  const healthyAfter = config.healthyAfter ?? 1;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function reportFailure(e: EndpointState, why = 'request failed'): void {
    e.consecutiveSuccesses = 0;
    e.consecutiveFailures++;
    if (e.consecutiveFailures >= unhealthyAfter && setHealthy(e, false)) events.onChange?.(e, false, why);
  }

  function reportSuccess(e: EndpointState): void {
    e.consecutiveFailures = 0;
    // Readmission waits for `healthyAfter` probes; until then a good answer confirms nothing.
    if (e.healthy) e.confirmed = true;
    e.consecutiveSuccesses++;
  }

  async function probe(e: EndpointState): Promise<void> {
    let ok = false;
    let why = '';
    try {
      const result = await e.adapter.probe(upstream, e.url, timeoutMs);
      ({ ok, why } = result);
      // Models evicted or loaded by other brokers' requests show here between this broker's own answers.
      if (result.loadedModels !== undefined) setLoaded(e, result.loadedModels);
    } catch (error) {
      why = (error as Error).message;
    }
    if (!ok) return reportFailure(e, why);
    reportSuccess(e);
    if (!e.healthy && e.consecutiveSuccesses >= healthyAfter && setHealthy(e, true)) {
      e.confirmed = true;
      events.onChange?.(e, true, why);
    }
  }

  function probeAll(): Promise<void> {
    running ??= Promise.all(pools.flatMap((p) => p.endpoints.map(probe))).then(() => {
      running = undefined;
    });
    return running;
  }

  function start(): void {
    if (timer) return;
    const tick = () => {
      void probeAll().finally(() => {
        if (timer) timer = setTimeout(tick, intervalMs).unref();
      });
    };
    timer = setTimeout(tick, 0).unref();
  }

  function stop(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  return { probeAll, reportFailure: (e) => reportFailure(e), reportSuccess, start, stop };
}
