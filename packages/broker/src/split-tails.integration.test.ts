// The tail of a cut is a model like any other: a real worker serves it from the catalog, a real broker
// places it by its own cost profile (the FLOPs after the cut), and the wire is plain OIP v2. The head
// runs here in onnxruntime-node, as the device would run it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BrokerConfig,
  type BrokerPool,
  decodeInferResponse,
  encodeInferRequest,
  evalTerms,
  type ModelCatalog,
  type NamedTensor,
  parseCatalogJson,
} from '@splitflow/contract';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatFeed } from '../../../models/src/runtime/feeds.js';
import { type Outputs, openNode } from '../../../models/src/runtime/ort-node.js';
import { type Broker, buildBroker } from './build-broker.js';

const ROOT = join(import.meta.dirname, '../../..');
const CATALOG = join(ROOT, 'models/catalog.json');
const KEY = 'split-tails-key-000001';
const MODEL = 'vision-s';
const CUT = 'block8-dw-conv';
const TAIL = `${MODEL}.${CUT}`;
const TAIL_U8 = `${TAIL}.uint8`;

let catalog: ModelCatalog;
const workers: RunningWorker[] = [];
let broker: Broker;
let url: string;

function pool(name: string, hardware: BrokerPool['hardware'], worker: RunningWorker, costPerHour: number, gflops: number): BrokerPool {
  return {
    name,
    hardware,
    protocol: 'oip-v2',
    endpoints: [{ url: worker.url }],
    costPerHour,
    maxConcurrency: 2,
    models: [MODEL, TAIL, TAIL_U8],
    throughput: { gflops, fixedOverheadMs: 1 },
  };
}

beforeAll(async () => {
  catalog = parseCatalogJson(readFileSync(CATALOG, 'utf8'), CATALOG);
  const start = (hardware: 'cpu' | 'gpu') => startWorker({ catalog: CATALOG, models: [MODEL, TAIL, TAIL_U8], hardware, intraOpThreads: 1, logLevel: false });
  workers.push(await start('cpu'), await start('gpu'));
  // Priors: the cheap pool does 1 GFLOP/s (the whole model 607 ms, the tail after block8 40 ms); the
  // dear one 100 GFLOP/s. Both are CPU workers here: the labels and priors are what placement sees.
  const config: BrokerConfig = {
    pools: [pool('cheap', 'cpu', workers[0] as RunningWorker, 0.1, 1), pool('fast', 'gpu', workers[1] as RunningWorker, 4, 100)],
    tenants: [{ id: 'acme', apiKeys: [KEY] }],
    jobs: { store: 'memory' },
    log: { level: 'silent' },
  };
  broker = await buildBroker(config, { catalog, healthChecks: false });
  url = await broker.listen();
}, 120_000);

afterAll(async () => {
  await broker?.close();
  await Promise.all(workers.map((w) => w.close()));
});

async function infer(model: string, inputs: NamedTensor[], deadlineMs: number) {
  const encoded = encodeInferRequest({ inputs, binary: true, parameters: { 'splitflow.deadline_ms': deadlineMs } });
  const res = await fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, ...encoded.headers },
    body: Buffer.from(encoded.body as Uint8Array),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${model}: ${res.status} ${new TextDecoder().decode(bytes)}`);
  const decoded = decodeInferResponse(bytes, res.headers.get('inference-header-content-length'));
  return { logits: decoded.outputs[0]?.data as Float32Array, parameters: decoded.response.parameters ?? {} };
}

const argmax = (x: Float32Array) => x.reduce((best, v, i) => (v > (x[best] ?? -Infinity) ? i : best), 0);

describe('tails served and placed like any model, through a real broker and worker', () => {
  it('lists the tails in the catalog with the cut tensors as inputs and the FLOPs after the cut as cost', () => {
    const model = catalog.models.find((m) => m.id === MODEL);
    const cut = model?.cutPoints?.find((c) => c.name === CUT);
    const tail = catalog.models.find((m) => m.id === TAIL);
    expect(tail?.tailOf).toEqual({ model: MODEL, cut: CUT, encoding: 'fp32' });
    expect(tail?.inputs).toEqual(cut?.tensors);
    expect(evalTerms(tail?.cost.flops ?? [], { batch: 1 })).toBe(evalTerms(cut?.flopsAfter ?? [], { batch: 1 }));
  });

  it('finishes the head on the pool: fp32 within 1e-5 of the whole model, uint8 within its tolerance; the tail placed by its own cost', async () => {
    const image = floatFeed('image', [1, 3, 224, 224], 'split-tails');
    const whole = await infer(MODEL, [{ name: 'image', datatype: 'FP32', shape: image.shape, data: image.data as Float32Array }], 300);
    // The whole model (607 MFLOP) cannot meet 300 ms on the cheap pool's prior, its tail (40 MFLOP) can.
    expect(whole.parameters['splitflow.pool']).toBe('fast');

    const head = await openNode(
      readFileSync(join(ROOT, 'models/build', catalog.models.find((m) => m.id === MODEL)?.cutPoints?.find((c) => c.name === CUT)?.head.path ?? '')),
    );
    let produced: Outputs;
    try {
      produced = await head.run([image]);
    } finally {
      await head.release();
    }
    const wire = (model: string): NamedTensor[] =>
      (catalog.models.find((m) => m.id === model)?.inputs ?? []).map((spec) => {
        const out = produced[spec.name];
        if (!out) throw new Error(`head has no ${spec.name}`);
        return { name: spec.name, datatype: spec.datatype, shape: out.dims, data: out.data } as NamedTensor;
      });

    const split = await infer(TAIL, wire(TAIL), 300);
    expect(split.parameters['splitflow.pool']).toBe('cheap');
    expect(split.parameters['splitflow.reason']).toBe('cheapest-meeting-deadline');
    expect(split.logits).toHaveLength(1000);
    for (let i = 0; i < 1000; i++)
      expect(Math.abs((split.logits[i] ?? 0) - (whole.logits[i] ?? 0))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(whole.logits[i] ?? 0)));

    const quantised = wire(TAIL_U8);
    expect(quantised.map((t) => t.datatype)).toEqual(['UINT8', 'FP32', 'UINT8']);
    const u8 = await infer(TAIL_U8, quantised, 300);
    const scale = Math.max(...Array.from(whole.logits, Math.abs));
    expect(Math.max(...Array.from(u8.logits, (v, i) => Math.abs(v - (whole.logits[i] ?? 0))))).toBeLessThanOrEqual(0.02 * scale);
    expect(argmax(u8.logits)).toBe(argmax(whole.logits));
  }, 120_000);
});
