import { SplitflowError } from '@splitflow/contract';

/** The execution providers a worker can be asked for, and the hardware class each one implies. */
export const EXECUTION_PROVIDERS = Object.freeze({
  cpu: { hardware: 'cpu' },
  webgpu: { hardware: 'gpu' },
  cuda: { hardware: 'gpu' },
} as const);

export type ExecutionProvider = keyof typeof EXECUTION_PROVIDERS;

export function isExecutionProvider(value: unknown): value is ExecutionProvider {
  return typeof value === 'string' && Object.hasOwn(EXECUTION_PROVIDERS, value);
}

/** Rejects anything outside the table, naming the values that are allowed. */
export function parseExecutionProvider(value: unknown): ExecutionProvider {
  if (isExecutionProvider(value)) return value;
  throw new SplitflowError('PROVIDER_UNAVAILABLE', {
    message: `unknown execution provider ${JSON.stringify(value)}; expected one of ${Object.keys(EXECUTION_PROVIDERS).join(', ')}`,
    details: { requested: value, allowed: Object.keys(EXECUTION_PROVIDERS) },
  });
}

/** Dawn's checking of each command it encodes: onnxruntime's `validationMode` for the webgpu provider. */
export const WEBGPU_VALIDATION_MODES = ['disabled', 'wgpuOnly', 'basic', 'full'] as const;
export type WebGpuValidationMode = (typeof WEBGPU_VALIDATION_MODES)[number];

export interface WebGpuTuning {
  /**
   * `disabled` skips Dawn's per-command validation, CPU work on every dispatch of every run.
   * @default onnxruntime's own
   */
  validationMode?: WebGpuValidationMode;
}

/** onnxruntime's graph optimisation levels (`graphOptimizationLevel`). */
export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];
