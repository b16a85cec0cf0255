// Shape inference for the ops our generators use, at concrete input sizes. It needs no runtime, so
// the catalog of the generated models (and `large` on a machine with only node) is computed from
// the graph alone; a test checks it against onnxruntime's profile of the same graphs.
import type { Datatype } from '@splitflow/contract';
import { DTYPE_BYTES, elements, type GraphNode, type GraphSpec } from '../onnx/graph.js';
import type { NodeRecord } from './node-record.js';

interface Value {
  shape: number[];
  datatype: Datatype;
  /** Known contents of small integer tensors. */
  ints?: number[];
  param: boolean;
}

const attrInt = (n: GraphNode, name: string, fallback: number): number => {
  const a = n.attrs[name];
  return a && a.type === 'int' ? a.value : fallback;
};
const attrInts = (n: GraphNode, name: string): number[] | undefined => {
  const a = n.attrs[name];
  return a && a.type === 'ints' ? a.value : undefined;
};
const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function broadcast(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1) {
        if (size !== 1 && size !== d) throw new Error(`cannot broadcast [${shapes.map((x) => x.join(',')).join('] [')}]`);
        size = d;
      }
    }
    return size;
  });
}

function poolShape(x: number[], kernel: number[], strides: number[], pads: number[]): number[] {
  const spatial = kernel.map((k, i) => {
    const size = (x[2 + i] ?? 0) + (pads[i] ?? 0) + (pads[i + kernel.length] ?? 0);
    return Math.floor((size - k) / (strides[i] ?? 1)) + 1;
  });
  return [x[0] ?? 1, x[1] ?? 1, ...spatial];
}

function inferNode(n: GraphNode, ins: Value[]): Value[] {
  const [x, y, z] = ins;
  if (!x) throw new Error(`${n.name}: no inputs`);
  const same = (shape: number[], datatype = x.datatype): Value[] => [{ shape, datatype, param: false }];
  switch (n.opType) {
    case 'Relu':
    case 'Clip':
    case 'Erf':
    case 'Softmax':
    case 'LayerNormalization':
      return same(x.shape);
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return same(broadcast(ins.map((v) => v.shape)));
    case 'Cast': {
      const to = attrInt(n, 'to', 1);
      return same(x.shape, to === 10 ? 'FP16' : to === 7 ? 'INT64' : 'FP32');
    }
    case 'Gemm': {
      const transA = attrInt(n, 'transA', 0);
      const transB = attrInt(n, 'transB', 0);
      const b = y?.shape ?? [];
      return same([x.shape[transA ? 1 : 0] ?? 1, b[transB ? 0 : 1] ?? 1]);
    }
    case 'MatMul': {
      const b = y?.shape ?? [];
      const batch = broadcast([x.shape.slice(0, -2), b.slice(0, -2)]);
      return same([...batch, x.shape.at(-2) ?? 1, b.at(-1) ?? 1]);
    }
    case 'Conv': {
      const w = y?.shape ?? [];
      const kernel = attrInts(n, 'kernel_shape') ?? w.slice(2);
      const out = poolShape(
        x.shape,
        kernel,
        attrInts(n, 'strides') ?? kernel.map(() => 1),
        attrInts(n, 'pads') ?? kernel.map(() => 0).concat(kernel.map(() => 0)),
      );
      out[1] = w[0] ?? 1;
      return same(out);
    }
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = attrInts(n, 'kernel_shape') ?? [];
      return same(poolShape(x.shape, kernel, attrInts(n, 'strides') ?? kernel.map(() => 1), attrInts(n, 'pads') ?? []));
    }
    case 'GlobalAveragePool':
      return same([...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)]);
    case 'Flatten': {
      const axis = axisOf(attrInt(n, 'axis', 1), x.shape.length);
      return same([elements(x.shape.slice(0, axis)), elements(x.shape.slice(axis))]);
    }
    case 'Reshape': {
      const target = y?.ints;
      if (!target) throw new Error(`${n.name}: shape input is not constant`);
      const out = target.map((d, i) => (d === 0 ? (x.shape[i] ?? 1) : d));
      const known = elements(out.filter((d) => d !== -1));
      return same(out.map((d) => (d === -1 ? elements(x.shape) / known : d)));
    }
    case 'Transpose': {
      const perm = attrInts(n, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
      return same(perm.map((p) => x.shape[p] ?? 1));
    }
    case 'Gather': {
      const axis = axisOf(attrInt(n, 'axis', 0), x.shape.length);
      return same([...x.shape.slice(0, axis), ...(y?.shape ?? []), ...x.shape.slice(axis + 1)]);
    }
    case 'Shape': {
      const rank = x.shape.length;
      const start = axisOf(attrInt(n, 'start', 0), rank);
      const end = axisOf(attrInt(n, 'end', rank), rank);
      const dims = x.shape.slice(start, end);
      return [{ shape: [dims.length], datatype: 'INT64', ints: dims, param: false }];
    }
    case 'Slice': {
      const [starts, ends, axes] = [y?.ints, z?.ints, ins[3]?.ints];
      if (!starts || !ends) throw new Error(`${n.name}: starts/ends are not known`);
      const out = [...x.shape];
      starts.forEach((s, i) => {
        const axis = axisOf(axes?.[i] ?? i, out.length);
        const size = out[axis] ?? 1;
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
        out[axis] = Math.max(0, clamp(ends[i] ?? size) - clamp(s));
      });
      return same(out);
    }
    case 'ReduceMean': {
      const axes = (attrInts(n, 'axes') ?? x.shape.map((_, i) => i)).map((a) => axisOf(a, x.shape.length));
      const keep = attrInt(n, 'keepdims', 1) === 1;
      return same(x.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d])));
    }
    default:
      throw new Error(`shape inference does not know op ${n.opType} (node ${n.name})`);
  }
}

const bytesOf = (v: Value): number => elements(v.shape) * (DTYPE_BYTES[v.datatype] ?? 4);

/** Runs shape inference with the inputs bound to `inputShapes`; one record per node, in graph order. */
export function inferShapes(graph: GraphSpec, inputShapes: Record<string, number[]>): NodeRecord[] {
  const values = new Map<string, Value>();
  for (const init of graph.initializers) values.set(init.name, { shape: init.dims, datatype: init.datatype, ints: init.ints, param: true });
  for (const input of graph.inputs) {
    const shape = inputShapes[input.name];
    if (!shape) throw new Error(`no shape given for input ${input.name}`);
    values.set(input.name, { shape, datatype: input.datatype, param: false });
  }
  return graph.nodes.map((n) => {
    const ins = n.inputs.map((name) => {
      const v = values.get(name);
      if (!v) throw new Error(`${n.name}: input ${name} is not produced before it is used`);
      return v;
    });
    const outs = inferNode(n, ins);
    n.outputs.forEach((name, i) => {
      const v = outs[i];
      if (v) values.set(name, v);
    });
    const outputs = n.outputs.map((name, i) => ({ name, bytes: bytesOf(outs[i] as Value) }));
    const activationBytes = ins.filter((v) => !v.param).reduce((s, v) => s + bytesOf(v), 0) + outputs.reduce((s, o) => s + o.bytes, 0);
    return {
      name: n.name,
      opType: n.opType,
      inputShapes: ins.map((v) => v.shape),
      outputShapes: outs.map((v) => v.shape),
      outputDatatypes: outs.map((v) => v.datatype),
      activationBytes,
      outputs,
    };
  });
}
