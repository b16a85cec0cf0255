import type { ModelFormat, NamedTensor, SerializedError } from '@splitflow/contract/core';

/** Local backends, in the words the route explanation uses. */
export const ONNX_BACKENDS = ['webgpu', 'wasm'] as const;
/** tfjs backends this build can load (`@tensorflow/tfjs` ships cpu and webgl). */
export const TFJS_BACKENDS = ['tfjs-webgl', 'tfjs-cpu'] as const;
export type LocalBackend = (typeof ONNX_BACKENDS)[number] | (typeof TFJS_BACKENDS)[number];

/** One model file, already verified against its manifest. */
export interface SourceFile {
  path: string;
  role?: 'model' | 'weights' | 'aux';
  bytes: Uint8Array;
}

/** What a runtime needs to build a session. */
export interface ModelSource {
  /** Session cache key: model id, version and variant. */
  key: string;
  model: string;
  format: ModelFormat;
  files: SourceFile[];
  /** Output names in manifest order (tfjs graph models name outputs by node). */
  outputs: string[];
}

export interface RuntimeSettings {
  /** Backends to try, best first; each failure's reason is kept. */
  backends: LocalBackend[];
  /** Where onnxruntime-web finds its .wasm/.mjs files (a URL prefix). */
  wasmPaths?: string;
  /** onnxruntime-web wasm threads; 1 without cross-origin isolation. */
  numThreads?: number;
}

export interface RuntimeSession {
  readonly backend: LocalBackend;
  run(inputs: NamedTensor[]): Promise<NamedTensor[]>;
  dispose(): Promise<void>;
}

/** A runtime adapter (onnx-web, tfjs): creates sessions on one backend. */
export interface RuntimeAdapter {
  readonly name: 'onnx-web' | 'tfjs';
  createSession(source: ModelSource, backend: LocalBackend, settings: RuntimeSettings): Promise<RuntimeSession>;
  /**
   * Gets the runtime ready for `backend` without a model (its code loaded, its wasm compiled), so this
   * can run while the model downloads. Optional; a failure here is reported by `createSession`.
   */
  prepare?(backend: LocalBackend, settings: RuntimeSettings): Promise<void>;
}

export interface LoadReply {
  backend: LocalBackend;
  compileMs: number;
  /** Backends tried before the one that worked, with why each failed. */
  skipped: { backend: LocalBackend; reason: string }[];
}

/**
 * A run's answer across the Worker boundary, keyed on `type`. A failed run returns its inputs (moved
 * back, not copied) so the caller can still send them to the cloud after the Worker took them.
 */
export type RunReply =
  | { type: 'ok'; outputs: NamedTensor[]; backend: LocalBackend; computeMs: number }
  | { type: 'error'; error: SerializedError; inputs: NamedTensor[] };

/** The local runtime as the client sees it, in a Worker or on the main thread. */
export interface RuntimeHost {
  ping(): Promise<'pong'>;
  has(key: string): Promise<boolean>;
  load(source: ModelSource, settings: RuntimeSettings): Promise<LoadReply>;
  /** Starts the runtime of `format` for the first of `settings.backends`; resolves (never rejects) when done or failed. */
  prepare(format: ModelFormat, settings: RuntimeSettings): Promise<void>;
  run(key: string, inputs: NamedTensor[]): Promise<RunReply>;
  unload(key: string): Promise<void>;
  dispose(): Promise<void>;
}
