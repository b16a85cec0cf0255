import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolState } from '../scheduler/pool-state.js';

/** The broker's Prometheus metrics, in a Registry of its own (two brokers in one process never collide). */
export interface BrokerMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'model' | 'code'>;
  readonly decisions: Counter<'pool' | 'reason'>;
  readonly retries: Counter<'pool'>;
  readonly deadlineMisses: Counter<'pool'>;
  readonly costUsd: Counter<'pool'>;
  readonly latency: Histogram<'pool'>;
  readonly refusals: Counter<'code'>;
  readonly jobs: Counter<'event'>;
}

export function createMetrics(pools: readonly PoolState[], jobCounts?: () => Record<string, number>): BrokerMetrics {
  const registry = new Registry();
  // The process's own figures (CPU seconds, event-loop delay, heap, GC): a broker that is itself the
  // bottleneck shows here first.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // Gauges read the live pool state when scraped, so the hot path pays nothing for them. The first
  // gauge's collect fills the others, which are registered after it and so serialized after it runs.
  const queued = new Gauge({
    name: 'splitflow_broker_pool_queue',
    help: "Requests beyond the pool's slots (queued at its endpoints).",
    labelNames: ['pool'],
    registers: [],
  });
  const healthy = new Gauge({
    name: 'splitflow_broker_endpoint_healthy',
    help: '1 when the endpoint is admitted, 0 when ejected.',
    labelNames: ['pool', 'endpoint'],
    registers: [],
  });
  new Gauge({
    name: 'splitflow_broker_pool_outstanding',
    help: 'Requests this broker has in flight per pool.',
    labelNames: ['pool'],
    registers,
    collect() {
      // Endpoints come and go (discovery, registration): one that left must not linger at its last value.
      healthy.reset();
      for (const p of pools) {
        this.set({ pool: p.name }, p.outstanding);
        queued.set({ pool: p.name }, Math.max(0, p.outstanding - p.healthyCount * p.maxConcurrency));
        for (const e of p.endpoints) healthy.set({ pool: p.name, endpoint: e.url }, e.healthy ? 1 : 0);
      }
    },
  });
  registry.registerMetric(queued);
  registry.registerMetric(healthy);
  if (jobCounts) {
    new Gauge({
      name: 'splitflow_broker_jobs',
      help: 'Async jobs in the store by status.',
      labelNames: ['status'],
      registers,
      collect() {
        for (const [status, n] of Object.entries(jobCounts())) this.set({ status }, n);
      },
    });
  }
  return {
    registry,
    requests: new Counter({
      name: 'splitflow_broker_requests_total',
      help: 'Inference requests answered, by model and code (OK or an error code).',
      labelNames: ['model', 'code'],
      registers,
    }),
    decisions: new Counter({
      name: 'splitflow_broker_decisions_total',
      help: 'Scheduler decisions by pool and reason.',
      labelNames: ['pool', 'reason'],
      registers,
    }),
    retries: new Counter({
      name: 'splitflow_broker_retries_total',
      help: 'Requests tried again after an endpoint of this pool failed.',
      labelNames: ['pool'],
      registers,
    }),
    deadlineMisses: new Counter({
      name: 'splitflow_broker_deadline_misses_total',
      help: 'Answers that came after the deadline, by pool.',
      labelNames: ['pool'],
      registers,
    }),
    costUsd: new Counter({
      name: 'splitflow_broker_cost_usd_total',
      help: 'Estimated cost of the work placed on each pool, USD.',
      labelNames: ['pool'],
      registers,
    }),
    latency: new Histogram({
      name: 'splitflow_broker_upstream_seconds',
      help: 'Time from dispatch to the upstream answer, by pool.',
      labelNames: ['pool'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    }),
    refusals: new Counter({
      name: 'splitflow_broker_refusals_total',
      help: 'Requests refused before dispatch (auth, quota, deadline, capacity), by code.',
      labelNames: ['code'],
      registers,
    }),
    jobs: new Counter({
      name: 'splitflow_broker_job_events_total',
      help: 'Async job events (accepted, done, failed, requeued, recovered).',
      labelNames: ['event'],
      registers,
    }),
  };
}
