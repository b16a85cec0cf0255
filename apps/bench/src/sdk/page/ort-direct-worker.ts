// The baseline for the SDK overhead benchmark: onnxruntime-web called directly in the same kind of
// module Worker, with the input moved in and the output moved back (what the SDK does, minus the SDK).
import * as ort from 'onnxruntime-web';

type Message =
  | { type: 'load'; bytes: Uint8Array; wasmPaths: string }
  | { type: 'run'; name: string; dims: number[]; data: Float32Array; ortType: 'float32' | 'int64'; ints?: BigInt64Array };

let session: ort.InferenceSession | undefined;

self.onmessage = async (event: MessageEvent<Message>) => {
  const msg = event.data;
  if (msg.type === 'load') {
    ort.env.wasm.wasmPaths = msg.wasmPaths;
    session = await ort.InferenceSession.create(msg.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    postMessage({ type: 'loaded' });
    return;
  }
  const s = session as ort.InferenceSession;
  const input = msg.ortType === 'int64' ? new ort.Tensor('int64', msg.ints as BigInt64Array, msg.dims) : new ort.Tensor('float32', msg.data, msg.dims);
  const out = await s.run({ [msg.name]: input });
  const first = out[s.outputNames[0] as string] as ort.Tensor;
  let data = first.data as Float32Array;
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer)) data = new Float32Array(data);
  // A dedicated Worker's postMessage takes the transfer list as its second argument.
  (self as unknown as Worker).postMessage({ type: 'ran', data }, [data.buffer as ArrayBuffer]);
};
