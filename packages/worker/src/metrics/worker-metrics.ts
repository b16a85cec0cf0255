import { performance } from 'node:perf_hooks';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The worker's Prometheus metrics, on a registry of its own (never prom-client's global one). */
export interface WorkerMetrics {
  registry: Registry;
  inFlight: Gauge;
  batchSize: Histogram<'model'>;
  requestSeconds: Histogram<'model'>;
  queueSeconds: Histogram<'model'>;
  computeSeconds: Histogram<'model'>;
  requests: Counter<'model' | 'status'>;
  errors: Counter<'code'>;
  /** Models loaded into memory and taken out of it (`unloaded` when asked, `evicted` to make room). */
  modelEvents: Counter<'model' | 'event'>;
  /** Time to load a model, seconds. */
  loadSeconds: Histogram<'model'>;
  render(): Promise<string>;
  contentType: string;
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** What a process of a worker does: all of it, or one part of a pool with HTTP front ends. */
export type ProcessRole = 'worker' | 'owner' | 'front-end';

/**
 * `queueDepth` is read at scrape time, so the gauge is never stale. `role` labels the event loop's
 * busy time, which tells which process of a pool is the limit (summed over a pool's front ends, it
 * is the cores their loops keep busy).
 */
export function createWorkerMetrics(queueDepth: () => Record<string, number>, role: ProcessRole = 'worker'): WorkerMetrics {
  const registry = new Registry();
  let busyMs = performance.eventLoopUtilization().active;
  new Counter({
    name: 'splitflow_worker_event_loop_busy_seconds_total',
    help: 'Time the event loop spent running code rather than waiting, by process role (worker, owner, front-end).',
    labelNames: ['role'],
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization().active;
      this.inc({ role }, Math.max(0, now - busyMs) / 1000);
      busyMs = now;
    },
  });
  new Gauge({
    name: 'splitflow_worker_queue_depth',
    help: 'Requests waiting in the batch queue, per model.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      for (const [model, depth] of Object.entries(queueDepth())) this.set({ model }, depth);
    },
  });
  const inFlight = new Gauge({ name: 'splitflow_worker_in_flight', help: 'Inference requests received and not yet answered.', registers: [registry] });
  const batchSize = new Histogram({
    name: 'splitflow_worker_batch_size',
    help: 'Rows per model run after dynamic batching.',
    labelNames: ['model'],
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const histogram = (name: string, help: string) =>
    new Histogram({ name, help, labelNames: ['model'], buckets: LATENCY_BUCKETS, registers: [registry] }) as Histogram<'model'>;
  const requestSeconds = histogram('splitflow_worker_request_seconds', 'Inference request time in the worker, body parsed to reply encoded.');
  const queueSeconds = histogram('splitflow_worker_queue_seconds', 'Time requests wait in the batch queue.');
  const computeSeconds = histogram('splitflow_worker_compute_seconds', 'Time of the model run that answered a request.');
  const requests = new Counter({
    name: 'splitflow_worker_requests_total',
    help: 'Inference requests answered, by model and HTTP status.',
    labelNames: ['model', 'status'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'splitflow_worker_errors_total',
    help: 'Error responses, by Splitflow error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const modelEvents = new Counter({
    name: 'splitflow_worker_model_events_total',
    help: 'Models loaded into memory (loaded) and taken out (unloaded when asked, evicted to make room).',
    labelNames: ['model', 'event'],
    registers: [registry],
  });
  const loadSeconds = new Histogram({
    name: 'splitflow_worker_model_load_seconds',
    help: 'Time to load a model into memory (file checked, sessions opened).',
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }) as Histogram<'model'>;
  return {
    registry,
    modelEvents,
    loadSeconds,
    inFlight,
    batchSize,
    requestSeconds,
    queueSeconds,
    computeSeconds,
    requests,
    errors,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** Prometheus text summing the registries of a pool's processes (`getMetricsAsJSON` of each): counters, histograms and gauges add. */
export function aggregateMetrics(parts: readonly unknown[][]): Promise<string> {
  return AggregatorRegistry.aggregate(parts as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
}
