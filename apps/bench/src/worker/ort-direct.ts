import { fromOrtTensor, type NamedTensor, toOrtTensor } from '@splitflow/contract';
// The benchmark's one import of onnxruntime-node: the in-process baseline the worker is compared with.
import * as ort from 'onnxruntime-node';

export interface DirectSession {
  /** Runs once; the first output's values, or undefined when outputs stay on the GPU. */
  run(inputs: readonly NamedTensor[]): Promise<Float32Array | undefined>;
  /** One run, returning every output's data as numbers (for checking answers, not for timing). */
  outputs(inputs: readonly NamedTensor[]): Promise<number[][]>;
  /** One run, the outputs named in `fetches` (default every output) as named tensors: the split bench's device runs models through this. */
  named(inputs: readonly NamedTensor[], fetches?: readonly string[]): Promise<NamedTensor[]>;
  release(): Promise<void>;
}

/** Provider settings the GPU bench tries one by one; none of them set means the worker's defaults. */
export interface DirectOptions {
  provider: string;
  /** webgpu's `validationMode`. */
  validationMode?: 'disabled' | 'wgpuOnly' | 'basic' | 'full';
  /** webgpu graph capture (a session config entry: the Node binding has no option of its own for it). */
  graphCapture?: boolean;
  /** Leave outputs on the GPU (`preferredOutputLocation: 'gpu-buffer'`): the run without its readback. */
  outputOnGpu?: boolean;
  /** onnxruntime's profiler on, writing `<prefix>_<date>.json`. */
  profilePrefix?: string;
  /**
   * Hand the run a preallocated CPU tensor for the first output, of `[batch, preallocateColumns]`
   * (onnxruntime writes into it instead of allocating one per run).
   */
  preallocateColumns?: number;
  /** Graph optimisation level. @default 'all', as the worker */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Intra- and inter-op threads. @default onnxruntime's (all cores) */
  threads?: number;
}

/** onnxruntime-node called directly, with the same provider and options the worker uses. */
export async function openDirect(model: Uint8Array | string, options: DirectOptions | string): Promise<DirectSession> {
  const o: DirectOptions = typeof options === 'string' ? { provider: options } : options;
  const provider = o.provider === 'webgpu' && o.validationMode ? { name: 'webgpu' as const, validationMode: o.validationMode } : o.provider;
  const extra: Record<string, Record<string, Record<string, string>>> = {
    // As the worker runs by default (its `spinning: false`).
    session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
  };
  if (o.graphCapture) extra.ep = { webgpuexecutionprovider: { enableGraphCapture: '1' } };
  const session = await ort.InferenceSession.create(model as Uint8Array, {
    executionProviders: [provider],
    graphOptimizationLevel: o.optimization ?? 'all',
    enableMemPattern: false,
    extra,
    ...(o.threads !== undefined ? { intraOpNumThreads: o.threads, interOpNumThreads: o.threads } : {}),
    ...(o.outputOnGpu ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    ...(o.profilePrefix ? { enableProfiling: true, profileFilePrefix: o.profilePrefix } : {}),
  });
  const first = session.outputNames[0] as string;
  const preallocated = new Map<number, ort.Tensor>();
  const feedsOf = (inputs: readonly NamedTensor[]) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = toOrtTensor(ort.Tensor, t);
    return feeds;
  };
  return {
    async run(inputs) {
      if (o.preallocateColumns !== undefined) {
        const rows = inputs[0]?.shape[0] ?? 1;
        let target = preallocated.get(rows);
        if (!target) {
          target = new ort.Tensor('float32', new Float32Array(rows * o.preallocateColumns), [rows, o.preallocateColumns]);
          preallocated.set(rows, target);
        }
        const out = await session.run(feedsOf(inputs), { [first]: target });
        return out[first]?.data as Float32Array;
      }
      const out = await session.run(feedsOf(inputs));
      if (o.outputOnGpu) {
        for (const v of Object.values(out)) v.dispose();
        return undefined;
      }
      return out[first]?.data as Float32Array;
    },
    async outputs(inputs) {
      const results = await session.run(feedsOf(inputs));
      return session.outputNames.map((name) => Array.from(results[name]?.data as ArrayLike<number>));
    },
    async named(inputs, fetches) {
      const names = fetches && fetches.length > 0 ? [...fetches] : [...session.outputNames];
      const results = await session.run(feedsOf(inputs), names);
      return names.map((name) => fromOrtTensor(name, results[name] as ort.Tensor));
    },
    async release() {
      if (o.profilePrefix) session.endProfiling();
      await session.release();
    },
  };
}
