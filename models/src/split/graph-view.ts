// The dataflow of an ONNX graph, as the cut search sees it: compute nodes in topological order, and
// which tensors are constant (weights, Constant nodes, and whatever is computed from them alone).
// Constant tensors never cross a cut: each side keeps a copy of those it uses.
import type { GraphSpec } from '../onnx/graph.js';
import type { ModelProto } from '../onnx/proto.js';

export interface ViewNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
}

export interface GraphView {
  inputs: string[];
  outputs: string[];
  /** Nodes that depend on a graph input, in the graph's (topological) order. */
  compute: ViewNode[];
  /** Nodes computed from constants alone, and the tensors they and the initializers hold. */
  constantNodes: ViewNode[];
  constants: Set<string>;
  /**
   * Nodes with subgraphs (If, Loop, Scan). Their bodies' cost is not split by node, so a graph with
   * any is not cut (Silero VAD is one If around everything).
   */
  controlFlow: string[];
}

function classify(inputs: string[], outputs: string[], initializers: string[], nodes: ViewNode[]): GraphView {
  const constants = new Set(initializers);
  const compute: ViewNode[] = [];
  const constantNodes: ViewNode[] = [];
  for (const node of nodes) {
    // '' is an omitted optional input.
    if (node.inputs.every((i) => i === '' || constants.has(i))) {
      constantNodes.push(node);
      for (const o of node.outputs) constants.add(o);
    } else {
      compute.push(node);
    }
  }
  return { inputs: inputs.filter((i) => !constants.has(i)), outputs, compute, constantNodes, constants, controlFlow: [] };
}

type GraphProto = NonNullable<ModelProto['graph']>;
type NodeProto = NonNullable<GraphProto['node']>[number];

/**
 * Names a node's subgraphs (If/Loop bodies) read from the enclosing scope: inputs of the node as far
 * as dataflow goes, though ONNX does not list them.
 */
export function implicitInputs(node: NodeProto): string[] {
  const found = new Set<string>();
  const walk = (g: GraphProto) => {
    const local = new Set<string>([
      ...(g.input ?? []).map((v) => v.name ?? ''),
      ...(g.initializer ?? []).map((t) => t.name ?? ''),
      ...(g.node ?? []).flatMap((n) => n.output ?? []),
    ]);
    for (const n of g.node ?? []) {
      for (const i of n.input ?? []) if (i && !local.has(i)) found.add(i);
      for (const name of implicitInputs(n)) if (!local.has(name)) found.add(name);
    }
  };
  for (const attr of node.attribute ?? []) {
    if (attr.g) walk(attr.g);
    for (const g of attr.graphs ?? []) walk(g);
  }
  return [...found];
}

export function viewOfProto(model: ModelProto): GraphView {
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const nodes = (graph.node ?? []).map((n, i) => ({
    name: n.name || `#${i}`,
    opType: n.opType ?? '',
    inputs: [...(n.input ?? []), ...implicitInputs(n)],
    outputs: [...(n.output ?? [])],
  }));
  const view = classify(
    (graph.input ?? []).map((v) => v.name ?? ''),
    (graph.output ?? []).map((v) => v.name ?? ''),
    (graph.initializer ?? []).map((t) => t.name ?? ''),
    nodes,
  );
  view.controlFlow = (graph.node ?? []).filter((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0)).map((n, i) => n.name || `#${i}`);
  return view;
}

export function viewOfSpec(graph: GraphSpec): GraphView {
  return classify(
    graph.inputs.map((v) => v.name),
    graph.outputs.map((v) => v.name),
    graph.initializers.map((i) => i.name),
    graph.nodes.map((n) => ({ name: n.name, opType: n.opType, inputs: n.inputs, outputs: n.outputs })),
  );
}
