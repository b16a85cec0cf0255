// @splitflow/worker: an Open Inference Protocol v2 server on onnxruntime-node, with dynamic batching.

export { type BatchLayout, batchLayoutOf } from './batching/batch-layout.js';
export { type BatchOutcome, type BatchQueue, type BatchQueueOptions, type BatchStats, createBatchQueue } from './batching/batch-queue.js';
export { concatAlong, splitAlong } from './batching/batch-tensors.js';
export { buildWorker } from './build-worker.js';
export { parseCliArgs, USAGE } from './cli-args.js';
export { type BatchingConfig, DEFAULT_BATCHING, DEFAULT_BODY_LIMIT_BYTES, type ModelSessionConfig, powerOfTwoBuckets, type WorkerConfig } from './config.js';
export { EXTENSIONS, WORKER_VERSION } from './http/metadata-routes.js';
export { runWorkerCli } from './run-cli.js';
export {
  EXECUTION_PROVIDERS,
  type ExecutionProvider,
  isExecutionProvider,
  WEBGPU_VALIDATION_MODES,
  type WebGpuTuning,
  type WebGpuValidationMode,
} from './session/execution-provider.js';
export type { ModelSession, SessionFactory } from './session/model-session.js';
export { type RunningWorker, type StartWorkerOptions, startWorker } from './start-worker.js';
