import type { NamedTensor } from '@splitflow/contract';
import type { ExecutionProvider, GraphOptimizationLevel, WebGpuTuning } from './execution-provider.js';

/** One loaded model, whatever runtime holds it: the seam the batcher and the routes run against. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model once; inputs by name, outputs in the model's output order. */
  run(inputs: readonly NamedTensor[]): Promise<NamedTensor[]>;
  release(): Promise<void>;
}

/** Per-session settings that differ by model. */
export interface SessionTuning {
  /** onnxruntime intra-op threads for this session; the factory's own setting when absent. */
  intraOpThreads?: number;
  /**
   * Run this session on the calling thread even from a factory that gives sessions threads: for a
   * model whose runs are shorter than the hop to a thread and back.
   */
  onCallingThread?: boolean;
  /** onnxruntime's graph optimisations for this session; the factory's own setting when absent. */
  graphOptimization?: GraphOptimizationLevel;
  /** webgpu settings for this session, over the factory's. */
  webgpu?: WebGpuTuning;
}

/** Creates sessions on one execution provider. */
export interface SessionFactory {
  readonly provider: ExecutionProvider;
  create(model: Uint8Array, tuning?: SessionTuning): Promise<ModelSession>;
}
