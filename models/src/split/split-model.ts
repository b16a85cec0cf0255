// Graph surgery: the head and the tails of a model at a cut, as ONNX models of their own. Nodes keep
// their order; each side keeps the weights and Constant nodes it reads (a copy each when both do).
// The head outputs the cut's tensors in every wire encoding (fetch the one to send); each tail takes
// one encoding and decodes it back to fp32 first. Encode and decode use opset-1..9 ops only
// (Cast, ReduceMin/Max, Min, Max, Div, Floor, ...), so they fit any model's opset.
import type { CutEncoding, Datatype } from '@splitflow/contract';
import { int } from '../onnx/graph.js';
import { dataTypeOf, type ModelProto, type NodeProto, nodeProto, type ValueInfoProto, valueInfoProto } from '../onnx/proto.js';
import type { CutTensor } from './find-cuts.js';
import { implicitInputs } from './graph-view.js';

export const CUT_ENCODINGS: readonly CutEncoding[] = ['fp32', 'fp16', 'uint8'];

/** A tensor on the wire for one encoding of one cut tensor. */
export interface WireTensor {
  name: string;
  datatype: Datatype;
  shape: (number | string)[];
  /** The cut tensor it carries. */
  carries: string;
  role: 'value' | 'scale' | 'zero_point';
}

/** The tensors that cross for `encoding`: floats encoded, other datatypes (shapes, ids) as they are. */
export function wireTensors(tensors: readonly CutTensor[], encoding: CutEncoding): WireTensor[] {
  return tensors.flatMap((t): WireTensor[] => {
    const plain: WireTensor = { name: t.name, datatype: t.datatype, shape: t.shape, carries: t.name, role: 'value' };
    if (t.datatype !== 'FP32' || encoding === 'fp32') return [plain];
    if (encoding === 'fp16') return [{ ...plain, name: `${t.name}.fp16`, datatype: 'FP16' }];
    return [
      { ...plain, name: `${t.name}.u8`, datatype: 'UINT8' },
      { name: `${t.name}.u8.scale`, datatype: 'FP32', shape: [], carries: t.name, role: 'scale' },
      { name: `${t.name}.u8.zero_point`, datatype: 'UINT8', shape: [], carries: t.name, role: 'zero_point' },
    ];
  });
}

type GraphProto = NonNullable<ModelProto['graph']>;

/** Nodes (in order) needed for `targets`, not looking past `available`; and the names they read. */
function closure(graph: GraphProto, targets: Iterable<string>, available: ReadonlySet<string>): { nodes: NodeProto[]; reads: Set<string> } {
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) producer.set(o, i);
  });
  const keep = new Set<number>();
  const reads = new Set<string>();
  const stack = [...targets];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (reads.has(name)) continue;
    reads.add(name);
    if (available.has(name)) continue;
    const i = producer.get(name);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    const node = nodes[i] as NodeProto;
    for (const input of [...(node.input ?? []), ...implicitInputs(node)]) if (input) stack.push(input);
  }
  return { nodes: nodes.filter((_, i) => keep.has(i)), reads };
}

function withGraph(
  model: ModelProto,
  graph: GraphProto,
  name: string,
  nodes: NodeProto[],
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  reads: Set<string>,
): ModelProto {
  return {
    ...model,
    graph: {
      ...graph,
      name,
      node: nodes,
      input: inputs,
      output: outputs,
      initializer: (graph.initializer ?? []).filter((t) => reads.has(t.name ?? '')),
      valueInfo: (graph.valueInfo ?? []).filter((v) => reads.has(v.name ?? '')),
    },
  };
}

const info = (t: { name: string; datatype: Datatype; shape: (number | string)[] }) => valueInfoProto({ name: t.name, datatype: t.datatype, shape: t.shape });

/** The head: the model's inputs to every encoding of the cut's tensors. */
export function headModel(model: ModelProto, tensors: readonly CutTensor[], name: string): ModelProto {
  const graph = model.graph as GraphProto;
  const { nodes, reads } = closure(
    graph,
    tensors.map((t) => t.name),
    new Set(),
  );
  const encode: NodeProto[] = [];
  const initializers: NonNullable<GraphProto['initializer']> = [];
  const scalar = (n: string, value: number) => {
    initializers.push({ name: n, dataType: dataTypeOf('FP32'), dims: [], rawData: new Uint8Array(Float32Array.of(value).buffer) });
    return n;
  };
  const zero = scalar('splitflow/encode/zero', 0);
  const max = scalar('splitflow/encode/255', 255);
  const half = scalar('splitflow/encode/half', 0.5);
  const tiny = scalar('splitflow/encode/tiny', 1e-30);
  for (const t of tensors) {
    if (t.datatype !== 'FP32') continue;
    const p = `${t.name}/encode`;
    encode.push(nodeProto(`${p}/fp16`, 'Cast', [t.name], [`${t.name}.fp16`], { to: int(dataTypeOf('FP16')) }));
    // Asymmetric uint8 with one scale and zero point per tensor: the range always holds 0.
    const n = (op: string, ins: string[], out: string, attrs = {}) => {
      encode.push(nodeProto(`${p}/${out}`, op, ins, [`${p}/${out}`], attrs));
      return `${p}/${out}`;
    };
    const lo = n('Min', [n('ReduceMin', [t.name], 'rmin', { keepdims: int(0) }), zero], 'lo');
    const hi = n('Max', [n('ReduceMax', [t.name], 'rmax', { keepdims: int(0) }), zero], 'hi');
    const scale = n('Div', [n('Max', [n('Sub', [hi, lo], 'range'), tiny], 'span'), max], 'scale');
    const zp = n('Floor', [n('Add', [n('Div', [n('Neg', [lo], 'neglo'), scale], 'zpf'), half], 'zph')], 'zp');
    const q = n('Add', [n('Floor', [n('Add', [n('Div', [t.name, scale], 'scaled'), half], 'rounded')], 'floored'), zp], 'shifted');
    const clipped = n('Max', [n('Min', [q, max], 'upper'), zero], 'clipped');
    encode.push(nodeProto(`${p}/q`, 'Cast', [clipped], [`${t.name}.u8`], { to: int(dataTypeOf('UINT8')) }));
    encode.push(nodeProto(`${p}/zp8`, 'Cast', [zp], [`${t.name}.u8.zero_point`], { to: int(dataTypeOf('UINT8')) }));
    encode.push(nodeProto(`${p}/scale-out`, 'Identity', [scale], [`${t.name}.u8.scale`]));
  }
  const outputs = CUT_ENCODINGS.flatMap((e) => wireTensors(tensors, e));
  const unique = [...new Map(outputs.map((o) => [o.name, o])).values()];
  const head = withGraph(model, graph, `${graph.name ?? 'model'}-head-${name}`, [...nodes, ...encode], graph.input ?? [], unique.map(info), reads);
  head.graph = { ...head.graph, initializer: [...(head.graph?.initializer ?? []), ...initializers] };
  return head;
}

/** The tail for one encoding: its wire tensors to the model's outputs. */
export function tailModel(model: ModelProto, tensors: readonly CutTensor[], name: string, encoding: CutEncoding): ModelProto {
  const graph = model.graph as GraphProto;
  const cut = new Set(tensors.map((t) => t.name));
  const { nodes, reads } = closure(
    graph,
    (graph.output ?? []).map((o) => o.name ?? ''),
    cut,
  );
  const wire = wireTensors(tensors, encoding);
  const decode: NodeProto[] = [];
  const float32 = int(dataTypeOf('FP32'));
  for (const t of tensors) {
    if (t.datatype !== 'FP32' || encoding === 'fp32') continue;
    const p = `${t.name}/decode`;
    if (encoding === 'fp16') {
      decode.push(nodeProto(`${p}/fp32`, 'Cast', [`${t.name}.fp16`], [t.name], { to: float32 }));
      continue;
    }
    decode.push(nodeProto(`${p}/q`, 'Cast', [`${t.name}.u8`], [`${p}/q`], { to: float32 }));
    decode.push(nodeProto(`${p}/zp`, 'Cast', [`${t.name}.u8.zero_point`], [`${p}/zp`], { to: float32 }));
    decode.push(nodeProto(`${p}/centred`, 'Sub', [`${p}/q`, `${p}/zp`], [`${p}/centred`]));
    decode.push(nodeProto(`${p}/fp32`, 'Mul', [`${p}/centred`, `${t.name}.u8.scale`], [t.name]));
  }
  return withGraph(model, graph, `${graph.name ?? 'model'}-tail-${name}-${encoding}`, [...decode, ...nodes], wire.map(info), graph.output ?? [], reads);
}
