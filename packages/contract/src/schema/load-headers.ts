/**
 * Headers a Splitflow worker puts on every response, so a broker sees its load without reading the
 * body (the same figures ride in OIP `parameters` under SPLITFLOW_PARAMS on inference responses).
 * Lower-case, as Node and HTTP/2 deliver header names.
 */
/**
 * Request header a broker sets on a request with a hard deadline: the milliseconds left before it. A
 * worker refuses the request at once (429 DEADLINE_UNMEETABLE) when its queue would hold it past that,
 * and drops it unrun once it expires, so no compute goes to answers nobody waits for.
 */
export const DEADLINE_HEADER = 'splitflow-deadline-ms';

export const LOAD_HEADERS = {
  /** Requests waiting in the worker's batch queues (all models), when the response was sent. */
  queueDepth: 'splitflow-queue-depth',
  /**
   * Requests waiting in the queue of the model that answered (inference responses only): with several
   * brokers, each sees the others' work of that model here rather than guessing whose the total is.
   */
  modelQueueDepth: 'splitflow-model-queue-depth',
  /** Inference requests the worker had received and not yet answered. */
  inFlight: 'splitflow-in-flight',
  /** This request's wait in the batch queue, microseconds. */
  queueUs: 'splitflow-queue-us',
  /** The run that answered this request, microseconds. */
  computeUs: 'splitflow-compute-us',
  /** Rows in that run after dynamic batching. */
  batchSize: 'splitflow-batch-size',
  /** Hardware class of the worker: cpu, gpu or tpu. */
  hardware: 'splitflow-hardware',
  /** Time this request waited for its model to be loaded into memory, microseconds (absent when it was loaded). */
  loadUs: 'splitflow-load-us',
  /**
   * The models in memory at the worker, comma-separated, least recently used first. Sent by workers
   * that load models on demand within a memory budget, so a broker knows where a model is warm.
   */
  loadedModels: 'splitflow-loaded-models',
} as const;

export interface LoadReport {
  queueDepth?: number;
  modelQueueDepth?: number;
  inFlight?: number;
  queueUs?: number;
  computeUs?: number;
  batchSize?: number;
  loadUs?: number;
  hardware?: string;
  /** Absent when the worker does not say (it holds all its models). */
  loadedModels?: string[];
}

const NUMERIC_KEYS = ['queueDepth', 'modelQueueDepth', 'inFlight', 'queueUs', 'computeUs', 'batchSize', 'loadUs'] as const;
const DIGITS = /^\d+$/;

function firstValue(raw: string | string[] | null | undefined): string | null | undefined {
  return Array.isArray(raw) ? raw[0] : raw;
}

/** Reads the load headers from any header getter (fetch's `Headers#get`, or a lookup in a Node headers object). */
export function readLoadHeaders(get: (name: string) => string | string[] | null | undefined): LoadReport {
  // Runs on every proxied answer, so no closures or arrays are made per call.
  const report: LoadReport = {};
  for (const key of NUMERIC_KEYS) {
    const value = firstValue(get(LOAD_HEADERS[key]));
    if (value !== null && value !== undefined && DIGITS.test(value.trim())) report[key] = Number(value);
  }
  const h = firstValue(get(LOAD_HEADERS.hardware));
  if (typeof h === 'string' && h !== '') report.hardware = h;
  const loaded = firstValue(get(LOAD_HEADERS.loadedModels));
  if (typeof loaded === 'string') report.loadedModels = loaded.split(',').flatMap((m) => (m.trim() === '' ? [] : [m.trim()]));
  return report;
}
