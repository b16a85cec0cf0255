import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LARGE_MLP, mlpGraph, TINY_MLP } from '../generated/mlp.js';
import { textGraph } from '../generated/text-m.js';
import { visionGraph } from '../generated/vision-s.js';
import { mulberry32, uniformFloats } from '../prng.js';
import { loadCatalog } from '../testing/paths.js';
import { decodeModel, IR_VERSION } from './proto.js';
import { modelBytes, writeModel } from './write.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const catalog = loadCatalog();

describe('generation is reproducible', () => {
  it('gives the same bytes twice, and the SHA-256 the catalog records', () => {
    const first = modelBytes(mlpGraph(TINY_MLP));
    const second = modelBytes(mlpGraph(TINY_MLP));
    expect(Buffer.compare(first, second)).toBe(0);
    expect(sha(first)).toBe(catalog.models.find((m) => m.id === 'tiny')?.files[0]?.sha256);
  });

  it('streams the same bytes it would build in memory', () => {
    const graph = visionGraph();
    const bytes = modelBytes(graph);
    expect(writeModel(graph, null)).toEqual({ bytes: bytes.byteLength, sha256: sha(bytes) });
  });

  it('changes the weights when the seed changes', () => {
    const other = modelBytes(mlpGraph({ ...TINY_MLP, seed: 'another seed' }));
    expect(other.byteLength).toBe(modelBytes(mlpGraph(TINY_MLP)).byteLength);
    expect(sha(other)).not.toBe(sha(modelBytes(mlpGraph(TINY_MLP))));
  });

  it('draws seeded uniform floats in range', () => {
    const a = uniformFloats(1000, 42, 0.5);
    expect(Array.from(a)).toEqual(Array.from(uniformFloats(1000, 42, 0.5)));
    expect(Math.max(...a)).toBeLessThan(0.5);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-0.5);
    const next = mulberry32(1);
    expect(next()).not.toBe(next());
  });
});

describe('the ONNX encoding', () => {
  it('decodes back to the graph it was built from (IR 8, opset 17, dynamic dims named)', () => {
    const graph = textGraph();
    const decoded = decodeModel(modelBytes(graph));
    expect(decoded.irVersion).toBe(IR_VERSION);
    expect(decoded.opset).toBe(17);
    expect(decoded.inputs).toEqual([{ name: 'input_ids', datatype: 'INT64', shape: ['batch', 'seq'] }]);
    expect(decoded.outputs).toEqual([{ name: 'logits', datatype: 'FP32', shape: ['batch', 8] }]);
    for (const op of ['Gather', 'MatMul', 'Softmax', 'LayerNormalization', 'Erf', 'ReduceMean']) expect(decoded.opCounts[op], op).toBeGreaterThan(0);
  });

  it('counts weight bytes like the manifest does', () => {
    const graph = visionGraph();
    expect(decodeModel(modelBytes(graph)).parameterBytes).toBe(catalog.models.find((m) => m.id === 'vision-s')?.cost.parameterBytes);
    expect(decodeModel(modelBytes(graph)).opCounts.Conv).toBe(17);
  });

  it('records the weight bytes of large from its graph', () => {
    const graph = mlpGraph(LARGE_MLP);
    const large = catalog.models.find((m) => m.id === 'large');
    // Only the sizes: writeModel(graph, null) hashes all 286 MB, which the catalog test already covers.
    const bytes = graph.initializers.reduce((s, i) => s + i.dims.reduce((a, b) => a * b, 1) * 4, 0);
    expect(bytes).toBe(large?.cost.parameterBytes);
    expect(large?.files[0]?.bytes).toBeGreaterThan(bytes);
  });
});
