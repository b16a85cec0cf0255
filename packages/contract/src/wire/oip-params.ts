// Splitflow's names inside OIP v2 bodies and headers: plain values, no schema code, so a client bundles them alone.

/** Splitflow's own request and response fields, carried in OIP `parameters`. */
export const SPLITFLOW_PARAMS = {
  deadlineMs: 'splitflow.deadline_ms',
  priority: 'splitflow.priority',
  mode: 'splitflow.mode',
  tenant: 'splitflow.tenant',
  requestId: 'splitflow.request_id',
  queueUs: 'splitflow.queue_us',
  computeUs: 'splitflow.compute_us',
  queueDepth: 'splitflow.queue_depth',
  modelQueueDepth: 'splitflow.model_queue_depth',
  batchSize: 'splitflow.batch_size',
  pool: 'splitflow.pool',
  hardware: 'splitflow.hardware',
  endpoint: 'splitflow.endpoint',
  costUsd: 'splitflow.cost_usd',
  reason: 'splitflow.reason',
  jobId: 'splitflow.job_id',
} as const;

/** Triton's binary tensor extension: header length, and the per-tensor parameters. */
export const BINARY_HEADER = 'inference-header-content-length';
export const BINARY_DATA_SIZE = 'binary_data_size';
export const BINARY_DATA = 'binary_data';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';

export const PRIORITIES = ['interactive', 'batch'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Where a response ran and what it cost; the SDK shows it as the route. */
export interface RouteInfo {
  pool?: string;
  hardware?: string;
  endpoint?: string;
  queueUs?: number;
  computeUs?: number;
  costUsd?: number;
  reason?: string;
}

/** Reads the route fields from a response's parameters, ignoring anything of the wrong type. */
export function readRouteInfo(parameters: Readonly<Record<string, unknown>> | undefined): RouteInfo {
  const p = parameters ?? {};
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const num = (k: string) => (typeof p[k] === 'number' && Number.isFinite(p[k]) ? (p[k] as number) : undefined);
  const info: RouteInfo = {
    pool: str(SPLITFLOW_PARAMS.pool),
    hardware: str(SPLITFLOW_PARAMS.hardware),
    endpoint: str(SPLITFLOW_PARAMS.endpoint),
    queueUs: num(SPLITFLOW_PARAMS.queueUs),
    computeUs: num(SPLITFLOW_PARAMS.computeUs),
    costUsd: num(SPLITFLOW_PARAMS.costUsd),
    reason: str(SPLITFLOW_PARAMS.reason),
  };
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) as RouteInfo;
}
