// The one file in models/ that imports onnxruntime-web. Its wasm backend runs in Node too, which
// lets the tests check that every model gives the browser runtime the same outputs as the server's.
import * as ort from 'onnxruntime-web';
import type { Feed } from './feeds.js';
import type { Outputs } from './ort-node.js';

const ORT_TYPE = { FP32: 'float32', INT64: 'int64', INT32: 'int32', UINT8: 'uint8' } as const;

export async function runWeb(model: Uint8Array, feeds: Feed[]): Promise<Outputs> {
  // One thread: Node has no cross-origin isolation to give the wasm backend shared memory workers.
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const inputs = Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor(ORT_TYPE[f.datatype as keyof typeof ORT_TYPE], f.data, f.shape)]));
    const result = await session.run(inputs);
    return Object.fromEntries(Object.entries(result).map(([name, t]) => [name, { dims: [...t.dims], data: t.data as Outputs[string]['data'] }]));
  } finally {
    await session.release();
  }
}
