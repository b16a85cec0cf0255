import type { HardwareClass } from '@splitflow/contract';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { ExecutionProvider } from '../session/execution-provider.js';

/** What the routes share: the models, the metrics and whether the worker is draining. */
export interface WorkerState {
  name: string;
  provider: ExecutionProvider;
  hardware: HardwareClass;
  registry: ModelRegistry;
  metrics: WorkerMetrics;
  draining: boolean;
  inFlight: number;
  /** Requests in flight in the other processes of a pool with HTTP front ends, for the load headers. */
  inFlightElsewhere?: () => number;
  /** Largest JSON part of a request, in bytes. */
  maxJsonBytes: number;
}
