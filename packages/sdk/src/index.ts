// @splitflow/sdk: measure the device, run small models in a Web Worker, send the rest to the cloud.

export { isSplitflowError, SplitflowError } from '@splitflow/contract';
export { type LoadedCatalog, loadCatalog } from './catalog/load-catalog.js';
export { createClient } from './client/create-client.js';
export type {
  ClientEvents,
  ClientOptions,
  InferOptions,
  InferResult,
  PrefetchResult,
  Route,
  RouteTimings,
  SplitflowClient,
} from './client/types.js';
export { type CloudClient, type CloudClientOptions, type CloudInferOptions, type CloudReply, createCloudClient } from './cloud/cloud-client.js';
export { createModelStore, type DownloadProgress, type LoadedFile, type ModelStore, type ModelStoreOptions } from './delivery/model-store.js';
export { type ChosenVariant, deviceFeatures, pickVariant } from './delivery/pick-variant.js';
export { sha256Hex, verifyFile } from './delivery/verify-file.js';
export { type CachedProbe, createCachedProbe, type ProbeOptions, probeDevice } from './probe/probe-device.js';
export type { CloudEstimate, LocalEstimate, RouteDecision, RouteEstimates, Where } from './router/decision.js';
export { compilePriorMs, localThroughput } from './router/device-throughput.js';
export { createLatencyRouter, type LatencyRouter, type LatencyRouterOptions, type LocalPlan, type RouteInput } from './router/latency-router.js';
export { type CloudObservation, createLiveEstimates, type LiveEstimates, type LiveEstimatesSnapshot } from './router/live-estimates.js';
export { registerErrorTransfer } from './runtime/error-transfer.js';
export { createLocalExecutor, type LocalExecutor, type WorkerOption } from './runtime/local-executor.js';
export { type LocalBackend, ONNX_BACKENDS, type RunReply, type RuntimeHost, TFJS_BACKENDS } from './runtime/runtime.js';
export { createRuntimeHost } from './runtime/runtime-host.js';
