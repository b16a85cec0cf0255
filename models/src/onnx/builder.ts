// Builds a GraphSpec with named, seeded weights. Each weight's values come from its own seed
// (model seed + tensor name), so weights do not depend on the order they are generated in.
import type { Datatype } from '@splitflow/contract';
import { seedFrom, uniformFloats } from '../prng.js';
import type { AttrValue, Dim, GraphNode, GraphSpec, Initializer, ValueSpec } from './graph.js';

const bytesOf = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

export interface GraphBuilder {
  input(name: string, datatype: Datatype, shape: Dim[]): string;
  /** A weight uniform in [-scale, scale), or filled with `fill` when given. */
  weight(name: string, dims: number[], scale: number, fill?: number): string;
  /** A small constant with known values (shapes, axes, scalars). */
  constant(name: string, datatype: 'INT64' | 'FP32', dims: number[], values: number[]): string;
  /** Adds a node; returns its first output's name. `out` names the output (default `<node name>:0`). */
  node(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, out?: string): string;
  /** Runs `body` with node names prefixed by `prefix/`. */
  scope<T>(prefix: string, body: () => T): T;
  output(name: string, datatype: Datatype, shape: Dim[]): void;
  build(): GraphSpec;
}

export function createGraphBuilder(options: { name: string; seed: string; opset?: number; docString?: string }): GraphBuilder {
  const inputs: ValueSpec[] = [];
  const outputs: ValueSpec[] = [];
  const initializers: Initializer[] = [];
  const nodes: GraphNode[] = [];
  const prefixes: string[] = [];
  const counts = new Map<string, number>();
  const names = new Set<string>();
  const claim = (name: string) => {
    if (names.has(name)) throw new Error(`duplicate tensor or node name ${name}`);
    names.add(name);
    return name;
  };
  const scoped = (name: string) => [...prefixes, name].join('/');

  return {
    input(name, datatype, shape) {
      inputs.push({ name: claim(name), datatype, shape });
      return name;
    },
    weight(name, dims, scale, fill) {
      const full = claim(scoped(name));
      const count = dims.reduce((a, b) => a * b, 1);
      const seed = seedFrom(`${options.seed}:${full}`);
      initializers.push({
        name: full,
        datatype: 'FP32',
        dims,
        data: () => bytesOf(fill === undefined ? uniformFloats(count, seed, scale) : new Float32Array(count).fill(fill)),
      });
      return full;
    },
    constant(name, datatype, dims, values) {
      const full = claim(scoped(name));
      const data = datatype === 'INT64' ? BigInt64Array.from(values.map(BigInt)) : Float32Array.from(values);
      initializers.push({ name: full, datatype, dims, data: () => bytesOf(data), ...(datatype === 'INT64' ? { ints: values } : {}) });
      return full;
    },
    node(opType, nodeInputs, attrs = {}, out) {
      const n = (counts.get(scoped(opType)) ?? 0) + 1;
      counts.set(scoped(opType), n);
      const name = claim(scoped(n === 1 ? opType : `${opType}_${n}`));
      const output = claim(out ?? `${name}:0`);
      nodes.push({ name, opType, inputs: nodeInputs, outputs: [output], attrs });
      return output;
    },
    scope(prefix, body) {
      prefixes.push(prefix);
      try {
        return body();
      } finally {
        prefixes.pop();
      }
    },
    output(name, datatype, shape) {
      outputs.push({ name, datatype, shape });
    },
    build() {
      return { name: options.name, docString: options.docString, inputs, outputs, initializers, nodes, opset: options.opset ?? 17 };
    },
  };
}
