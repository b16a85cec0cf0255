// Seeded input tensors for measuring and comparing models. Runtime-free: the runtimes wrap them.
import type { Datatype } from '@splitflow/contract';
import { elements } from '../onnx/graph.js';
import { mulberry32, seedFrom } from '../prng.js';

export type FeedData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface Feed {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: FeedData;
}

/** Uniform floats in [min, max). */
export function floatFeed(name: string, shape: number[], seed: string, min = -1, max = 1): Feed {
  const next = mulberry32(seedFrom(seed));
  const data = new Float32Array(elements(shape));
  for (let i = 0; i < data.length; i++) data[i] = min + next() * (max - min);
  return { name, datatype: 'FP32', shape, data };
}

/** Uniform integers in [0, limit), e.g. token ids. */
export function intFeed(name: string, shape: number[], seed: string, limit: number): Feed {
  const next = mulberry32(seedFrom(seed));
  const data = new BigInt64Array(elements(shape));
  for (let i = 0; i < data.length; i++) data[i] = BigInt(Math.floor(next() * limit));
  return { name, datatype: 'INT64', shape, data };
}

export function int64Feed(name: string, shape: number[], values: number[]): Feed {
  return { name, datatype: 'INT64', shape, data: BigInt64Array.from(values.map(BigInt)) };
}
