import type { HardwareClass, ModelCatalog } from '@splitflow/contract';
import type { ExecutionProvider, GraphOptimizationLevel, WebGpuTuning } from './session/execution-provider.js';

/** How one model's requests are merged (Triton's dynamic batcher, per model). */
export interface BatchingConfig {
  /**
   * Most rows (along the manifest's `batchDim`) in one merged run; 1 turns merging off. A request
   * with more rows than this runs alone.
   * @default 64
   */
  maxBatch: number;
  /**
   * How long the oldest queued request may wait for others to join it, in microseconds. 0 merges
   * only what queued while the model was busy, so a lone request never waits.
   * @default 0
   */
  maxQueueDelayUs: number;
  /**
   * Requests that may wait per model; one more is refused with 503 OVERLOADED and Retry-After.
   * @default 256
   */
  maxQueue: number;
  /**
   * Longest expected wait in the queue, in milliseconds (queued runs times the recent run time, over
   * the instances): a request that would wait longer is refused at once with 503 OVERLOADED and a
   * Retry-After, rather than answered late. 0 turns the bound off (only `maxQueue` counts).
   * @default 2000
   */
  maxQueueWaitMs: number;
  /**
   * Merged runs of the same model at a time. On the cpu provider with session threads (the default)
   * each instance is a session of its own in a thread of its own (its memory counted once per
   * instance); GPU providers, small models and `mainThreadRuns` have one session, whose runs go one
   * after another whatever this says.
   * @default 1
   */
  instances: number;
  /**
   * Batch sizes a merged run is padded up to (ascending, the largest at least `maxBatch`): a run of n
   * rows runs at the smallest bucket >= n, the extra rows copies of its last row, whose outputs are
   * dropped. A GPU provider builds shaders and pipelines for every new input shape (hundreds of ms for
   * a convolutional model), and dynamic batching otherwise feeds it every size from 1 to `maxBatch`;
   * with buckets it sees a few fixed shapes. A request with more rows than `maxBatch` runs unpadded.
   * `[]` or absent: runs have exactly the rows merged.
   * @default []
   * @example [1, 2, 4, 8, 16, 32, 64]
   */
  buckets?: readonly number[];
}

/** Powers of two up to `maxBatch`, and `maxBatch` itself: the CLI's `--batch-buckets pow2`. */
export function powerOfTwoBuckets(maxBatch: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < maxBatch; b *= 2) out.push(b);
  out.push(maxBatch);
  return out;
}

export const DEFAULT_BATCHING: Readonly<BatchingConfig> = Object.freeze({
  maxBatch: 64,
  maxQueueDelayUs: 0,
  maxQueue: 256,
  maxQueueWaitMs: 2000,
  instances: 1,
});

/** Session settings of one model (`WorkerConfig.modelSessions`). */
export interface ModelSessionConfig {
  /** onnxruntime's graph optimisations. @default 'all' */
  graphOptimization?: GraphOptimizationLevel;
  /** webgpu settings, over the worker's `webgpu`. */
  webgpu?: WebGpuTuning;
}

export interface WorkerConfig {
  /**
   * The model catalog: a path to catalog.json, or the parsed catalog (then `modelDir` is required).
   * @example 'models/catalog.json'
   */
  catalog: string | ModelCatalog;
  /**
   * Directory the manifests' file paths are relative to.
   * @default `build/` beside the catalog file when it exists, else the catalog's directory
   */
  modelDir?: string;
  /**
   * Model ids to serve (tails of cuts included, e.g. `vision-s.maxpool.uint8`). An id missing from the
   * catalog is a startup error.
   * @default every ONNX model of the catalog that is not a tail, except on-demand ones whose files were not built
   */
  models?: string[];
  /**
   * Also serve the tails of these models' cuts (every allowed encoding), or of every model with `'all'`.
   * Tails are off by default since each is a session of its own (the catalog holds 37).
   * @default none
   * @example ['vision-s', 'ocr-cls']
   */
  tails?: string[] | 'all';
  /**
   * onnxruntime execution provider. One that cannot start here is a startup error naming those that can.
   * @default 'cpu'
   */
  provider?: ExecutionProvider;
  /**
   * Hardware class reported on responses and metadata (a CPU worker may stand in for a `tpu` pool in tests).
   * @default 'cpu' for the cpu provider, 'gpu' for webgpu and cuda
   */
  hardware?: HardwareClass;
  /** Batching for every model. @default DEFAULT_BATCHING */
  batching?: Partial<BatchingConfig>;
  /** Per-model overrides of `batching`, by model id. */
  modelBatching?: Record<string, Partial<BatchingConfig>>;
  /**
   * Runs of batch-class requests (`splitflow.priority: batch`) at once, across all models. Interactive
   * requests queue ahead of batch ones within a model and never wait for these slots, so latency-bound
   * work shares the cores with at most this many throughput runs; a run in progress is never stopped.
   * 0 turns priority off (batch requests run like interactive ones).
   * @default 1
   */
  batchClassRuns?: number;
  /**
   * Largest request body; larger ones get 413 PAYLOAD_TOO_LARGE.
   * @default 67108864 (64 MiB)
   */
  bodyLimitBytes?: number;
  /**
   * Largest JSON part of a request (the whole body without the binary extension, its header with it);
   * larger ones get 413 PAYLOAD_TOO_LARGE before any parsing. Parsing JSON blocks the event loop
   * (in proportion to its size), so large tensors belong in the binary extension.
   * @default 8388608 (8 MiB)
   */
  maxJsonBytes?: number;
  /** Time a client has to send a request's headers; slower ones get 408 REQUEST_TIMEOUT and are closed. @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request, body included; slower ones get 408 REQUEST_TIMEOUT and are closed. @default 60000 */
  requestTimeoutMs?: number;
  /** onnxruntime intra-op threads per session. @default onnxruntime's choice */
  intraOpThreads?: number;
  /**
   * Intra-op threads for small models on the cpu provider: those whose one row, at the largest dims
   * the manifest allows, costs under SMALL_MODEL_MFLOP. Their runs last less than waking a pool of
   * threads, and under load a run split over many threads waits for the slowest of them; false gives
   * them `intraOpThreads` like the rest. Small models also stay on the main thread (one session,
   * whatever `instances` says): a run of tens of microseconds costs less than the hop to a session
   * thread and back, and blocks the event loop no longer than parsing a request does.
   * @default 1
   */
  smallModelThreads?: number | false;
  /**
   * Let onnxruntime's idle threads spin-wait for the next run: a little less latency on dedicated
   * cores, but CPU taken from the HTTP event loop when they are shared.
   * @default false
   */
  spinning?: boolean;
  /** webgpu provider settings (ignored by the other providers). @default onnxruntime's */
  webgpu?: WebGpuTuning;
  /**
   * Per-model session settings, by model id, over the worker-wide ones: the fastest graph optimisation
   * level or webgpu setting differs by model (on the H200's webgpu provider a MatMul + Add MLP ran
   * faster at small batches with optimisations off, which keep onnxruntime from fusing it into Gemm).
   * An id the worker does not serve is a startup error.
   * @example { large: { graphOptimization: 'disabled' } }
   */
  modelSessions?: Record<string, ModelSessionConfig>;
  /**
   * Run sessions on the main thread instead of a thread per session. onnxruntime-node's runs are
   * synchronous: on the main thread each run stops the event loop, so no request is read, no load
   * reported and no other model run until it ends. Saves the thread hop (tens of microseconds) where
   * every model is tiny.
   * @default false
   */
  mainThreadRuns?: boolean;
  /**
   * pino log level, or false for no logs.
   * @default false
   */
  logLevel?: false | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /**
   * Memory the models in memory may take together, GiB (each model: its weights per session plus one
   * row's activations, from its manifest). A model that does not fit alone is refused; loading one that
   * does not fit beside the others evicts the least recently used idle ones (the repository extension's
   * `load`, or a request for a model not in memory). Answers then carry `splitflow-loaded-models`.
   * @default unbounded
   */
  memoryBudgetGiB?: number;
  /**
   * Open no model at startup: each is loaded by its first request (which waits for it) or by
   * `POST /v2/repository/models/{name}/load`. Without it the models open at startup while they fit.
   * @default false
   */
  loadOnDemand?: boolean;
  /** Where log lines go. @default stdout */
  logStream?: { write(line: string): void };
  /** Server name in `GET /v2`. @default 'splitflow-worker' */
  name?: string;
  /**
   * Serve `GET /metrics` (Prometheus text: models, queue depths, run counts). Open by default, as
   * scrapers read it without credentials; false removes the route.
   * @default true
   */
  metrics?: boolean;
  /** With it, `/metrics` answers only `Authorization: Bearer <metricsToken>` (others 401). */
  metricsToken?: string;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_JSON_BYTES = 8 * 1024 * 1024;
