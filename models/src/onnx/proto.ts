// The one file that imports onnx-proto (protobufjs static code for onnx.proto, ONNX 1.10, IR 8).
// Serialisation is streamed: the model's small parts are encoded by onnx-proto, and each weight is
// framed by hand (tag, length, raw bytes) as it is generated, so a model of hundreds of MB never
// sits in memory twice. The framing is plain protobuf: fields of a message may come in any order.
import type { Datatype } from '@splitflow/contract';
import onnxProto from 'onnx-proto';
import { type AttrValue, DTYPE_BYTES, elements, type GraphSpec, type Initializer, type ValueSpec } from './graph.js';

const { onnx } = onnxProto;

export const IR_VERSION = 8;
const PRODUCER = 'splitflow-models';

const DATA_TYPE: Partial<Record<Datatype, number>> = {
  FP32: onnx.TensorProto.DataType.FLOAT,
  FP16: onnx.TensorProto.DataType.FLOAT16,
  FP64: onnx.TensorProto.DataType.DOUBLE,
  INT64: onnx.TensorProto.DataType.INT64,
  INT32: onnx.TensorProto.DataType.INT32,
  INT16: onnx.TensorProto.DataType.INT16,
  INT8: onnx.TensorProto.DataType.INT8,
  UINT8: onnx.TensorProto.DataType.UINT8,
  UINT16: onnx.TensorProto.DataType.UINT16,
  UINT32: onnx.TensorProto.DataType.UINT32,
  UINT64: onnx.TensorProto.DataType.UINT64,
  BOOL: onnx.TensorProto.DataType.BOOL,
  BYTES: onnx.TensorProto.DataType.STRING,
};

export function dataTypeOf(datatype: Datatype): number {
  const code = DATA_TYPE[datatype];
  if (code === undefined) throw new Error(`no ONNX data type for ${datatype}`);
  return code;
}

export function datatypeOf(code: number): Datatype {
  for (const [name, value] of Object.entries(DATA_TYPE)) if (value === code) return name as Datatype;
  throw new Error(`ONNX data type ${code} has no OIP datatype`);
}

function attribute(name: string, attr: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (attr.type) {
    case 'int':
      return { name, type: T.INT, i: attr.value };
    case 'float':
      return { name, type: T.FLOAT, f: attr.value };
    case 'ints':
      return { name, type: T.INTS, ints: attr.value };
    case 'floats':
      return { name, type: T.FLOATS, floats: attr.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(attr.value) };
  }
}

function valueInfo(spec: ValueSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: dataTypeOf(spec.datatype),
        shape: { dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

// Field tags (field number << 3 | wire type 2): ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.raw_data = 9.
const TAG_GRAPH = Uint8Array.of((7 << 3) | 2);
const TAG_INITIALIZER = Uint8Array.of((5 << 3) | 2);
const TAG_RAW_DATA = Uint8Array.of((9 << 3) | 2);

function byteLength(init: Initializer): number {
  const per = DTYPE_BYTES[init.datatype];
  if (per === undefined) throw new Error(`initializer ${init.name}: no fixed size for ${init.datatype}`);
  return elements(init.dims) * per;
}

interface Framed {
  head: Uint8Array;
  init: Initializer;
  rawLength: number;
  length: number;
}

function frameInitializer(init: Initializer): Framed {
  const head = onnx.TensorProto.encode({ name: init.name, dataType: dataTypeOf(init.datatype), dims: init.dims }).finish();
  const rawLength = byteLength(init);
  const length = head.length + TAG_RAW_DATA.length + varint(rawLength).length + rawLength;
  return { head, init, rawLength, length };
}

/**
 * The model's bytes as a sequence of chunks. Weights are generated one at a time (`data()`), so the
 * caller can hash and write a model of any size with one tensor in memory.
 */
export function* serializeModel(graph: GraphSpec): Generator<Uint8Array> {
  const head = onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    producerVersion: '1',
    opsetImport: [{ domain: '', version: graph.opset }],
  }).finish();
  const graphHead = onnx.GraphProto.encode({
    name: graph.name,
    docString: graph.docString ?? null,
    node: graph.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs).map(([name, a]) => attribute(name, a)),
    })),
    input: graph.inputs.map(valueInfo),
    output: graph.outputs.map(valueInfo),
  }).finish();
  const framed = graph.initializers.map(frameInitializer);
  const graphLength = graphHead.length + framed.reduce((sum, f) => sum + TAG_INITIALIZER.length + varint(f.length).length + f.length, 0);
  yield head;
  yield TAG_GRAPH;
  yield varint(graphLength);
  yield graphHead;
  for (const f of framed) {
    yield TAG_INITIALIZER;
    yield varint(f.length);
    yield f.head;
    yield TAG_RAW_DATA;
    yield varint(f.rawLength);
    const data = f.init.data();
    if (data.byteLength !== f.rawLength) throw new Error(`initializer ${f.init.name}: ${data.byteLength} bytes, expected ${f.rawLength}`);
    yield data;
  }
}

/** What a real model's graph declares: inputs (initializers excluded), outputs, opset, node count. */
export interface DecodedModel {
  irVersion: number;
  opset: number;
  inputs: { name: string; datatype: Datatype; shape: (number | string | null)[] }[];
  outputs: { name: string; datatype: Datatype; shape: (number | string | null)[] }[];
  opCounts: Record<string, number>;
  /** Bytes of all weights: initializers and Constant values, in subgraphs (If branches) too. */
  parameterBytes: number;
}

function tensorBytes(t: onnxProto.onnx.ITensorProto): number {
  if (t.rawData && t.rawData.length > 0) return t.rawData.length;
  const count = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
  const per = DTYPE_BYTES[datatypeOf(t.dataType ?? 0)] ?? 4;
  return count * per;
}

function weightBytes(graph: onnxProto.onnx.IGraphProto): number {
  let total = (graph.initializer ?? []).reduce((s, t) => s + tensorBytes(t), 0);
  for (const node of graph.node ?? []) {
    for (const attr of node.attribute ?? []) {
      if (attr.t) total += tensorBytes(attr.t);
      if (attr.g) total += weightBytes(attr.g);
      for (const g of attr.graphs ?? []) total += weightBytes(g);
    }
  }
  return total;
}

function decodeValue(v: onnxProto.onnx.IValueInfoProto) {
  const tensor = v.type?.tensorType;
  if (!tensor) throw new Error(`value ${v.name} is not a tensor`);
  return {
    name: v.name ?? '',
    datatype: datatypeOf(tensor.elemType ?? 0),
    shape: (tensor.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : null)),
  };
}

export function decodeModel(bytes: Uint8Array): DecodedModel {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  const opCounts: Record<string, number> = {};
  for (const n of graph.node ?? []) opCounts[n.opType ?? ''] = (opCounts[n.opType ?? ''] ?? 0) + 1;
  return {
    irVersion: Number(model.irVersion),
    opset: Number(model.opsetImport.find((o) => !o.domain)?.version ?? 0),
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name)).map(decodeValue),
    outputs: (graph.output ?? []).map(decodeValue),
    opCounts,
    parameterBytes: weightBytes(graph),
  };
}

/** A decoded ONNX model as protobufjs objects, for graph surgery (splitting a model at a cut). */
export type ModelProto = onnxProto.onnx.IModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const decodeModelProto = (bytes: Uint8Array): ModelProto => onnx.ModelProto.decode(bytes);
export const encodeModelProto = (model: ModelProto): Uint8Array => onnx.ModelProto.encode(model).finish();

/** A node in proto form, attributes from the same vocabulary the generators use. */
export function nodeProto(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  return { name, opType, input: inputs, output: outputs, attribute: Object.entries(attrs).map(([n, a]) => attribute(n, a)) };
}

export const valueInfoProto = (spec: ValueSpec): ValueInfoProto => valueInfo(spec);

/** The element type of a value in a decoded graph (inputs, outputs, value_info), if declared. */
export function declaredDatatype(v: ValueInfoProto): Datatype | undefined {
  const code = v.type?.tensorType?.elemType;
  return code ? datatypeOf(code) : undefined;
}
