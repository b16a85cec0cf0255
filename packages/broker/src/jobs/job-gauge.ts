import { Gauge, type Registry } from 'prom-client';
import type { JobStore } from './job-store.js';

/**
 * `splitflow_broker_jobs{status}`: jobs in the store, read when scraped. The store answers
 * asynchronously (Redis), so this gauge collects with a promise; a store that cannot be reached
 * leaves the last values rather than failing the whole scrape.
 */
export function registerJobGauge(registry: Registry, store: JobStore): void {
  new Gauge({
    name: 'splitflow_broker_jobs',
    help: 'Async jobs in the store by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      try {
        for (const [status, n] of Object.entries(await store.counts())) this.set({ status }, n);
      } catch {
        // The job store's outage is logged by the job runner.
      }
    },
  });
}
