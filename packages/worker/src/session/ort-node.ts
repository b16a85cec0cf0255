import { fromOrtTensor, toOrtTensor } from '@splitflow/contract';
// The one file that imports onnxruntime-node: swap the runtime or mock it here and nowhere else.
import * as ort from 'onnxruntime-node';
import { EXECUTION_PROVIDERS, type ExecutionProvider, type GraphOptimizationLevel, type WebGpuTuning } from './execution-provider.js';
import { runFailure } from './input-faults.js';
import type { ModelSession, SessionFactory, SessionTuning } from './model-session.js';

export interface OrtSessionOptions {
  provider: ExecutionProvider;
  /** Threads inside one operator; onnxruntime's default (all cores) when absent. */
  intraOpThreads?: number;
  /** Let idle onnxruntime threads spin-wait for the next run. @default false */
  spinning?: boolean;
  /** Settings of the webgpu provider; ignored by the others. */
  webgpu?: WebGpuTuning;
  /** onnxruntime's graph optimisations. @default 'all' */
  graphOptimization?: GraphOptimizationLevel;
}

/** Providers this onnxruntime-node build ships or can load (`cuda` needs libraries installed beside it). */
export function listedProviders(): ExecutionProvider[] {
  const names = new Set(ort.listSupportedBackends().map((b) => b.name));
  return (Object.keys(EXECUTION_PROVIDERS) as ExecutionProvider[]).filter((p) => names.has(p));
}

export function createSessionOptions(options: OrtSessionOptions): ort.InferenceSession.SessionOptions {
  // Memory patterns are planned per input shape; dynamic batching feeds a new batch size every few runs,
  // and each new one would pay that planning again.
  const webgpu = options.provider === 'webgpu' && options.webgpu?.validationMode !== undefined;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [webgpu ? { name: 'webgpu', validationMode: options.webgpu?.validationMode } : options.provider],
    graphOptimizationLevel: options.graphOptimization ?? 'all',
    enableMemPattern: false,
  };
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  // onnxruntime's threads spin after each run by default; in a server they would take the cores the
  // HTTP event loop needs to parse the next requests (measured: 8x the CPU time for the same work).
  if (!options.spinning) sessionOptions.extra = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
  return sessionOptions;
}

export async function openSession(model: Uint8Array, options: OrtSessionOptions): Promise<ModelSession> {
  const session = await ort.InferenceSession.create(model, createSessionOptions(options));
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputs) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of inputs) feeds[input.name] = toOrtTensor(ort.Tensor, input);
      let results: ort.InferenceSession.OnnxValueMapType;
      try {
        results = await session.run(feeds);
      } catch (error) {
        throw runFailure(error);
      }
      return session.outputNames.map((name) => fromOrtTensor(name, results[name] as ort.Tensor));
    },
    release: () => session.release(),
  };
}

/** A factory's session options with one model's tuning over them (webgpu settings merged key by key). */
export function withTuning(options: OrtSessionOptions, tuning: SessionTuning | undefined): OrtSessionOptions {
  const { onCallingThread: _, webgpu, ...rest } = tuning ?? {};
  const merged: OrtSessionOptions = { ...options, ...rest };
  if (webgpu !== undefined) merged.webgpu = { ...options.webgpu, ...webgpu };
  return merged;
}

/**
 * Session factory for one execution provider. onnxruntime never falls back silently here: the
 * provider list holds only the requested one, so a provider that cannot start fails session creation.
 */
export function createOrtSessionFactory(options: OrtSessionOptions): SessionFactory {
  return {
    provider: options.provider,
    create: (model, tuning) => openSession(model, withTuning(options, tuning)),
  };
}

/**
 * Which providers can actually open `model` here (a listed provider may still fail: webgpu without an
 * adapter, cuda without its libraries). Returns each failure's reason, for the startup error.
 */
export async function probeProviders(model: Uint8Array): Promise<{ available: ExecutionProvider[]; failures: Partial<Record<ExecutionProvider, string>> }> {
  const available: ExecutionProvider[] = [];
  const failures: Partial<Record<ExecutionProvider, string>> = {};
  const listed = new Set(listedProviders());
  for (const provider of Object.keys(EXECUTION_PROVIDERS) as ExecutionProvider[]) {
    if (!listed.has(provider)) {
      failures[provider] = 'not in this onnxruntime-node build';
      continue;
    }
    try {
      const session = await openSession(model, { provider });
      await session.release();
      available.push(provider);
    } catch (error) {
      failures[provider] = (error as Error).message;
    }
  }
  return { available, failures };
}
