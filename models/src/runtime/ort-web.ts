// The one file in models/ that imports onnxruntime-web. Its wasm backend runs in Node too, which
// lets the tests check that every model gives the browser runtime the same outputs as the server's.
import { type NamedTensor, toOrtTensor } from '@splitflow/contract';
import * as ort from 'onnxruntime-web';
import type { Feed } from './feeds.js';
import type { Outputs } from './ort-node.js';

export async function runWeb(model: Uint8Array, feeds: Feed[]): Promise<Outputs> {
  // One thread: Node has no cross-origin isolation to give the wasm backend shared memory workers.
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const inputs = Object.fromEntries(feeds.map((f) => [f.name, toOrtTensor(ort.Tensor, f as NamedTensor)]));
    const result = await session.run(inputs);
    return Object.fromEntries(Object.entries(result).map(([name, t]) => [name, { dims: [...t.dims], data: t.data as Outputs[string]['data'] }]));
  } finally {
    await session.release();
  }
}
