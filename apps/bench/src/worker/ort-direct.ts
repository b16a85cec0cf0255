import { DATATYPE_INFO, type NamedTensor } from '@splitflow/contract';
// The benchmark's one import of onnxruntime-node: the in-process baseline the worker is compared with.
import * as ort from 'onnxruntime-node';

export interface DirectSession {
  run(inputs: readonly NamedTensor[]): Promise<void>;
  /** One run, returning every output's data as numbers (for checking answers, not for timing). */
  outputs(inputs: readonly NamedTensor[]): Promise<number[][]>;
  release(): Promise<void>;
}

/** onnxruntime-node called directly, with the same provider and options the worker uses. */
export async function openDirect(model: Uint8Array | string, provider: string): Promise<DirectSession> {
  const session = await ort.InferenceSession.create(model as Uint8Array, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    // As the worker runs by default (its `spinning: false`).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const feedsOf = (inputs: readonly NamedTensor[]) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = new ort.Tensor(DATATYPE_INFO[t.datatype].ort as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.shape);
    return feeds;
  };
  return {
    async run(inputs) {
      await session.run(feedsOf(inputs));
    },
    async outputs(inputs) {
      const results = await session.run(feedsOf(inputs));
      return session.outputNames.map((name) => Array.from(results[name]?.data as ArrayLike<number>));
    },
    release: () => session.release(),
  };
}
