import { Gauge, type Registry } from 'prom-client';
import type { CapacityPlan } from './capacity-planner.js';

/**
 * Exports the capacity plan for Kubernetes (KEDA or HPA on an external metric) or the local supervisor:
 * the desired replicas per pool, and the inputs behind them so a person can see why. Computed when
 * scraped, so the request path pays nothing.
 */
export function registerCapacityMetrics(registry: Registry, plan: () => CapacityPlan[]): void {
  const arrivals = new Gauge({
    name: 'splitflow_broker_pool_arrival_rate',
    help: 'Requests per second asking for the pool (with headroom), by class, over the busier of the long and start-up windows.',
    labelNames: ['pool', 'class'],
    registers: [],
  });
  const service = new Gauge({
    name: 'splitflow_broker_pool_mean_service_seconds',
    help: 'Mean slot time of an answered request, by class.',
    labelNames: ['pool', 'class'],
    registers: [],
  });
  const offered = new Gauge({
    name: 'splitflow_broker_pool_offered_erlangs',
    help: 'Offered load (arrival rate x mean service time), by class.',
    labelNames: ['pool', 'class'],
    registers: [],
  });
  const slots = new Gauge({
    name: 'splitflow_broker_pool_slots_needed',
    help: 'Slots (concurrent runs) the queueing model needs to meet the target waits.',
    labelNames: ['pool'],
    registers: [],
  });
  const startup = new Gauge({
    name: 'splitflow_broker_pool_startup_seconds',
    help: "Start-up the plan looks ahead over: the pool's measured process start to admission (the configured one until measured).",
    labelNames: ['pool'],
    registers: [],
  });
  new Gauge({
    name: 'splitflow_broker_pool_desired_replicas',
    help: 'Endpoints the pool needs to meet its classes target waits at the observed load (Erlang C per class).',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      for (const p of plan()) {
        this.set({ pool: p.pool }, p.desiredReplicas);
        slots.set({ pool: p.pool }, p.slotsNeeded);
        if (p.startupMs !== undefined) startup.set({ pool: p.pool }, p.startupMs / 1000);
        for (const [name, c] of Object.entries(p.classes)) {
          arrivals.set({ pool: p.pool, class: name }, c.arrivalsPerS);
          if (!Number.isNaN(c.meanServiceMs)) service.set({ pool: p.pool, class: name }, c.meanServiceMs / 1000);
          offered.set({ pool: p.pool, class: name }, c.offered);
        }
      }
    },
  });
  for (const g of [arrivals, service, offered, slots, startup]) registry.registerMetric(g);
}
