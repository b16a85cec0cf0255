// An fp16 copy of a float32 graph: weights and intermediate tensors in half precision (half the
// bytes, and WebGPU's shader-f16 path), inputs and outputs still float32 through Cast nodes, so the
// variant takes the same requests as the model it comes from.
import { encodeFloat16 } from '@splitflow/contract';
import { type GraphNode, type GraphSpec, type Initializer, int } from './graph.js';

const FLOAT = 1;
const FLOAT16 = 10;

function halfInitializer(init: Initializer): Initializer {
  if (init.datatype !== 'FP32') return init;
  return {
    name: init.name,
    datatype: 'FP16',
    dims: init.dims,
    data: () => {
      const f32 = init.data();
      const half = encodeFloat16(new Float32Array(f32.buffer, f32.byteOffset, f32.byteLength / 4));
      return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
    },
  };
}

export function toFloat16(graph: GraphSpec): GraphSpec {
  const rename = new Map<string, string>();
  const casts: GraphNode[] = [];
  for (const input of graph.inputs) {
    if (input.datatype !== 'FP32') continue;
    const half = `${input.name}/fp16`;
    rename.set(input.name, half);
    casts.push({ name: `${input.name}/Cast`, opType: 'Cast', inputs: [input.name], outputs: [half], attrs: { to: int(FLOAT16) } });
  }
  const outputs = new Map(graph.outputs.filter((o) => o.datatype === 'FP32').map((o) => [o.name, `${o.name}/fp16`]));
  const nodes = graph.nodes.map((n) => ({
    ...n,
    inputs: n.inputs.map((name) => rename.get(name) ?? outputs.get(name) ?? name),
    outputs: n.outputs.map((name) => outputs.get(name) ?? name),
  }));
  for (const [name, half] of outputs) nodes.push({ name: `${name}/Cast`, opType: 'Cast', inputs: [half], outputs: [name], attrs: { to: int(FLOAT) } });
  return { ...graph, name: `${graph.name}-fp16`, nodes: [...casts, ...nodes], initializers: graph.initializers.map(halfInitializer) };
}
