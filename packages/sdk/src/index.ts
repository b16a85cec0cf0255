// @splitflow/sdk: measure the device, run small models in a Web Worker, send the rest to the cloud.
// The public API: the client factory, the errors, and every type its signatures use. Internals stay
// in their modules (tests and the repository's apps import them by path).

export {
  type CutEncoding,
  type DataByType,
  type Datatype,
  type DeviceProfile,
  ERROR_CODES,
  type ErrorCode,
  isSplitflowError,
  type ModelCatalog,
  type ModelFile,
  type ModelManifest,
  type NetworkInfo,
  type Priority,
  type Privacy,
  type RoutingMode,
  type RoutingPolicy,
  type RoutingThresholds,
  type SerializedError,
  SplitflowError,
  type SplitflowErrorOptions,
  type Tensor,
  type TensorData,
  type Throughput,
  type WebGpuInfo,
} from '@splitflow/contract/core';
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
  SplitRoute,
} from './client/types.js';
export type { CacheWriteFailure, DownloadProgress, ProgressPhase } from './delivery/model-store.js';
export type { ProbeOptions } from './probe/probe-device.js';
export type { CloudEstimate, LocalEstimate, RouteDecision, RouteEstimates, Where } from './router/decision.js';
export type { LiveEstimatesSnapshot } from './router/live-estimates.js';
export type { SplitEstimate } from './router/split-candidates.js';
export type { LocalBackend } from './runtime/runtime.js';
