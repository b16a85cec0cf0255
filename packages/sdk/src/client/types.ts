import type {
  CutEncoding,
  DeviceProfile,
  ErrorCode,
  ModelCatalog,
  Priority,
  Privacy,
  RoutingMode,
  RoutingPolicy,
  Tensor,
  Throughput,
} from '@splitflow/contract/core';
import type { CacheWriteFailure, DownloadProgress } from '../delivery/model-store.js';
import type { ProbeOptions } from '../probe/probe-device.js';
import type { RouteDecision, RouteEstimates, Where } from '../router/decision.js';
import type { LiveEstimatesSnapshot } from '../router/live-estimates.js';
import type { LocalBackend } from '../runtime/runtime.js';

export interface ClientOptions {
  /**
   * The model catalog: its URL, or the parsed catalog (then `modelBaseUrl` is required).
   * @example '/models/catalog.json'
   */
  catalog: string | URL | ModelCatalog;
  /** Base URL of the model files. @default the catalog URL's folder */
  modelBaseUrl?: string;
  /**
   * Base URL of an OIP v2 endpoint: the Splitflow broker, or a single worker. Without it every
   * request runs locally.
   * @example 'https://broker.example.com'
   */
  broker?: string;
  /** Sent to the broker as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Routing policy: overrides the catalog's thresholds, globally and per model. */
  policy?: RoutingPolicy;
  /** Default priority of cloud requests. @default 'interactive' */
  priority?: Priority;
  /**
   * Run models in a module Worker (`true`), on the main thread (`false`), or in a Worker you create.
   * Where Workers are unavailable the client uses the main thread and says why.
   * @default true
   */
  worker?: boolean | (() => Worker);
  /**
   * Local backends to try, best first.
   * @default webgpu (when a hardware adapter exists), wasm; tfjs-webgl, tfjs-cpu for tfjs models
   */
  backends?: LocalBackend[];
  /** URL prefix where onnxruntime-web's .wasm and .mjs files are served. @default onnxruntime-web's own lookup */
  wasmPaths?: string;
  /**
   * Models this page will run on the device. As soon as the catalog and the device probe are in,
   * their files download and the local runtime starts (the Worker, onnxruntime-web, its wasm), without
   * holding up `createClient`; a first `infer` or `prefetch` joins that work instead of starting it.
   * Costs the download even if the model is then routed to the cloud. An id the catalog lacks is
   * MODEL_NOT_FOUND; a failure while preloading is not thrown, `infer` meets it again and reports it.
   * @default none
   * @example ['vision-s']
   */
  preload?: string[];
  /** Threads for onnxruntime-web's wasm backend. @default onnxruntime-web's choice (1 without cross-origin isolation) */
  numThreads?: number;
  /**
   * Move input tensors to the runtime Worker without copying; their buffers are then detached in
   * the caller. `false` copies them first.
   * @default true
   */
  transferInputs?: boolean;
  /**
   * Most memory (bytes) a local model may take, weights plus activations, as the catalog's cost model
   * estimates them. For pages whose host knows a limit the page cannot measure (an embedding WebView,
   * a low-end phone; `navigator.deviceMemory` is absent outside Chromium): a model over it is routed to
   * the cloud before anything is downloaded, with the reason in `route.reason`, or refused with
   * LOCAL_UNAVAILABLE when the request must stay local.
   * @default no budget of its own (the router still keeps a share of a reported `deviceMemory`)
   * @example 64 * 1024 ** 2
   */
  memoryBudgetBytes?: number;
  /** Cache API storage for model files; `undefined` turns persistence off. @default globalThis.caches */
  caches?: CacheStorage;
  /** @default 'splitflow-models' */
  cacheName?: string;
  /** Device probe settings and the profile's time to live. @default { ttlMs: 600000, benchmarkMs: 15 } */
  probe?: ProbeOptions & { ttlMs?: number };
  /** Cloud speed assumed before any answer reports compute time. @default { gflops: 100, fixedOverheadMs: 1 } */
  cloudThroughput?: Throughput;
  /** Cloud client tuning. */
  cloud?: { binaryThreshold?: number; maxRetries?: number; backoffMs?: number };
  fetch?: typeof fetch;
}

export interface InferOptions {
  /** Latency budget; also the cloud timeout and `splitflow.deadline_ms`. @default the catalog's `latencyBudgetMs` */
  latencyBudgetMs?: number;
  /** `local-only` never sends this request's data to the cloud. @default the policy's */
  privacy?: Privacy;
  /** @default the policy's (`auto`) */
  mode?: RoutingMode;
  priority?: Priority;
  /**
   * Run as a split: at this cut (a `name` of the manifest's `cutPoints`), or `true` for the cut the
   * router estimates fastest, where mode and privacy allow one. `{ cut, encoding }` also names the
   * wire encoding (one the manifest allows); otherwise the allowed one with the fewest bytes.
   * @default the router chooses the route
   */
  split?: string | true | { cut: string; encoding: CutEncoding };
  signal?: AbortSignal;
}

export interface RouteTimings {
  /** From `infer` to result. */
  totalMs: number;
  /** Spent deciding (probe cache, cache lookups, router). */
  routeMs: number;
  /** Local, first run of a model: fetching its files, or reading them from the Cache API. */
  downloadMs?: number;
  /**
   * Local, first run of a model: starting the runtime (Worker, runtime code, wasm compile), from the
   * start of the download; the two run side by side, so only the part past the download adds up.
   */
  runtimeMs?: number;
  /** Local, first run of a model: creating its session (graph parsing and optimisation). */
  compileMs?: number;
  /** Local: the run as seen by the client (messaging included). Cloud: the server's reported compute. */
  computeMs?: number;
  queueMs?: number;
  /** Cloud: wall time less the server's queue and compute. */
  networkMs?: number;
  attempts?: number;
}

/** How a split request ran: the cut, what crossed, and where the tail ended up. */
export interface SplitRoute {
  cut: string;
  encoding: CutEncoding;
  /** Catalog id of the tail model. */
  tail: string;
  /** The head's run on the device (messaging included). */
  headMs: number;
  /** Bytes of the cut tensors sent. */
  uploadBytes: number;
  /** `local` when the pool failed and the device finished the tail from the head's output. */
  tailWhere: 'cloud' | 'local';
  tailFailed?: { code: ErrorCode; message: string };
  tailLocalMs?: number;
}

/** Where a request ran and why. */
export interface Route {
  where: Where;
  /** Local backend that ran it. */
  backend?: LocalBackend;
  /** Local: a module Worker or the main thread. */
  thread?: 'worker' | 'main-thread';
  /** Cloud: pool, hardware and endpoint the server reported. */
  pool?: string;
  hardware?: string;
  endpoint?: string;
  costUsd?: number;
  reason: string;
  decision: RouteDecision;
  estimates: RouteEstimates;
  timings: RouteTimings;
  /**
   * Set when the chosen route failed and another answered: a failed split tail finished on the device
   * (`from: 'split'`, `where: 'split'`, `split.tailWhere: 'local'`), a failed head sent whole to the cloud.
   */
  fallback?: { from: Where; code: ErrorCode; message: string };
  /** Set on split routes. */
  split?: SplitRoute;
}

export interface InferResult {
  outputs: Record<string, Tensor>;
  route: Route;
}

export interface PrefetchResult {
  model: string;
  variant: string;
  backend: LocalBackend;
  bytes: number;
  fromCache: boolean;
  downloadMs: number;
  compileMs: number;
}

export interface ClientEvents extends Record<string, unknown> {
  progress: DownloadProgress;
  route: { model: string; decision: RouteDecision };
  fallback: { model: string; from: Where; to: Where; code: ErrorCode; message: string };
  /** A verified model file the Cache API would not keep (quota, private mode): it runs from memory this session and is downloaded again next time. */
  storage: CacheWriteFailure;
}

export interface SplitflowClient {
  /** Runs `model` on the route the router picks, falling back to the other route when allowed. */
  infer(model: string, inputs: Record<string, Tensor>, options?: InferOptions): Promise<InferResult>;
  /**
   * One of a model's `aux` files (a vocabulary, a label list), fetched, verified (size and SHA-256)
   * and cached like the model's own files.
   */
  auxFile(model: string, path?: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /** Downloads, verifies, caches and compiles a model for local use. */
  prefetch(model: string, options?: { signal?: AbortSignal }): Promise<PrefetchResult>;
  /** The device profile (probed at creation, refreshed after its TTL). */
  readonly capabilities: DeviceProfile;
  /** Probes again, forgets the learned network times (for a changed link) and measures the cloud round trip. */
  refresh(): Promise<DeviceProfile>;
  readonly catalog: ModelCatalog;
  /** The live estimates the router uses. */
  estimates(): LiveEstimatesSnapshot;
  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void;
  /** Terminates the runtime Worker and releases sessions; later calls fail with DISPOSED. */
  dispose(): Promise<void>;
}
