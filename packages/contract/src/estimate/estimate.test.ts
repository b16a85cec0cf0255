import { describe, expect, it } from 'vitest';
import { tensorToBytes } from '../codec/tensor.js';
import { isSplitflowError } from '../errors/splitflow-error.js';
import type { CostTerm } from '../schema/manifest.js';
import { manifestFixture } from '../test/fixtures.js';
import { bindInputs, evalTerms } from './cost-terms.js';
import { BYTES_ELEMENT_ESTIMATE, cloudMs, computeMs, costUsd, ewma, exchangeMs, localMs, responseBytes, transferMs, workOf } from './latency.js';

describe('cost terms', () => {
  it('evaluates polynomials over dims', () => {
    const terms: CostTerm[] = [
      { coefficient: 10, dims: { batch: 1, seq: 1 } },
      { coefficient: 2, dims: { batch: 1, seq: 2 } },
      { coefficient: 5, dims: {} },
    ];
    expect(evalTerms(terms, { batch: 2, seq: 3 })).toBe(10 * 6 + 2 * 18 + 5);
    expect(() => evalTerms(terms, { batch: 2 })).toThrow(/dim "seq"/);
  });
});

describe('bindInputs', () => {
  const m = {
    id: 'm',
    dimBounds: { seq: { min: 1, max: 8 } },
    inputs: [
      { name: 'ids', datatype: 'INT64' as const, shape: ['batch', 'seq'] },
      { name: 'mask', datatype: 'INT64' as const, shape: ['batch', 'seq'] },
    ],
  };
  const reason = (inputs: Parameters<typeof bindInputs>[1]) => {
    try {
      bindInputs(m, inputs);
    } catch (e) {
      expect(isSplitflowError(e, 'INVALID_TENSOR')).toBe(true);
      return (e as Error).message;
    }
    return 'ok';
  };

  it('binds symbolic dims from the request', () => {
    expect(
      bindInputs(m, [
        { name: 'ids', datatype: 'INT64', shape: [2, 5] },
        { name: 'mask', datatype: 'INT64', shape: [2, 5] },
      ]),
    ).toEqual({ batch: 2, seq: 5 });
  });

  it('names each way a request can miss the manifest', () => {
    const ids = { name: 'ids', datatype: 'INT64', shape: [2, 5] };
    expect(reason([ids])).toContain('needs input "mask"');
    expect(reason([ids, { ...ids, name: 'mask' }, { ...ids, name: 'extra' }])).toContain('has no input "extra"');
    expect(reason([ids, { ...ids, name: 'mask', datatype: 'FP32' }])).toContain('expected datatype INT64, got FP32');
    expect(reason([ids, { ...ids, name: 'mask', shape: [2] }])).toContain('expected rank 2');
    expect(reason([ids, { ...ids, name: 'mask', shape: [2, 6] }])).toContain('seq = 5');
    expect(
      reason([
        { ...ids, shape: [2, 9] },
        { ...ids, name: 'mask', shape: [2, 9] },
      ]),
    ).toContain('must be in [1, 8]');
    expect(reason([ids, ids])).toContain('given twice');
  });

  it('checks fixed dims', () => {
    const fixed = { id: 'f', inputs: [{ name: 'x', datatype: 'FP32' as const, shape: ['batch', 64] }] };
    expect(() => bindInputs(fixed, [{ name: 'x', datatype: 'FP32', shape: [1, 63] }])).toThrow('shape[1] must be 64, got 63');
  });
});

describe('latency and cost estimator', () => {
  const cpu = { gflops: 50, fixedOverheadMs: 0.05, memoryGBps: 20 };
  const gpu = { gflops: 7000, fixedOverheadMs: 1.7, memoryGBps: 2000 };
  const manifest = manifestFixture();

  it('is non-decreasing in batch for every target', () => {
    for (const target of [cpu, gpu]) {
      let last = 0;
      for (let batch = 1; batch <= 4096; batch *= 2) {
        const ms = computeMs(target, workOf(manifest, { batch }));
        expect(ms).toBeGreaterThanOrEqual(last);
        last = ms;
      }
    }
  });

  it('is non-increasing in the target speed and bounded below by the fixed overhead', () => {
    const work = { flops: 1e9, bytes: 1e8 };
    let last = Number.POSITIVE_INFINITY;
    for (const gflops of [1, 10, 100, 1000, 10000]) {
      const ms = computeMs({ gflops, fixedOverheadMs: 1 }, work);
      expect(ms).toBeLessThanOrEqual(last);
      expect(ms).toBeGreaterThanOrEqual(1);
      last = ms;
    }
  });

  it('takes the slower of the compute and memory bounds (roofline)', () => {
    expect(computeMs({ gflops: 1000, fixedOverheadMs: 0, memoryGBps: 1 }, { flops: 1e6, bytes: 1e6 })).toBeCloseTo(1, 9);
    expect(computeMs({ gflops: 1, fixedOverheadMs: 0, memoryGBps: 1000 }, { flops: 1e6, bytes: 1e6 })).toBeCloseTo(1, 9);
  });

  it('reproduces the measured crossover: CPU wins small work, GPU wins large batches', () => {
    const large = { cost: { flops: [{ coefficient: 143e6, dims: { batch: 1 } }], parameterBytes: 0, activationBytes: [] } };
    const measuredCpu = { gflops: 950, fixedOverheadMs: 0.05 };
    const measuredGpu = { gflops: 7000, fixedOverheadMs: 1.7 };
    expect(computeMs(measuredCpu, workOf(manifest, { batch: 1 }))).toBeLessThan(computeMs(measuredGpu, workOf(manifest, { batch: 1 })));
    expect(computeMs(measuredGpu, workOf(large, { batch: 256 }))).toBeLessThan(computeMs(measuredCpu, workOf(large, { batch: 256 })) / 4);
  });

  it('transfer time grows with bytes and RTT and falls with bandwidth', () => {
    expect(transferMs(125_000, { rttMs: 10, mbps: 1 })).toBeCloseTo(1010, 6); // 1 Mbit at 1 Mbit/s
    expect(transferMs(1000, { rttMs: 50, mbps: 10 })).toBeGreaterThan(transferMs(1000, { rttMs: 5, mbps: 10 }));
    expect(transferMs(1000, { rttMs: 5, mbps: 100 })).toBeLessThan(transferMs(1000, { rttMs: 5, mbps: 10 }));
    expect(transferMs(1, { rttMs: 5, mbps: 0 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('an exchange sends the request at the uplink and the answer at the downlink', () => {
    // 1 Mbit up at 0.5 Mbit/s, 1 Mbit down at 10 Mbit/s.
    const link = { rttMs: 20, mbps: 10, upMbps: 0.5 };
    expect(exchangeMs(125_000, 125_000, link)).toBeCloseTo(20 + 2000 + 100, 6);
    // Without an uplink figure both ways go at `mbps`, as `transferMs` of the sum.
    expect(exchangeMs(125_000, 125_000, { rttMs: 20, mbps: 10 })).toBeCloseTo(transferMs(250_000, { rttMs: 20, mbps: 10 }), 6);
    expect(cloudMs({ link, requestBytes: 125_000, responseBytes: 0, queueMs: 0, computeMs: 0 })).toBeCloseTo(2020, 6);
    expect(exchangeMs(1, 1, { rttMs: 5, mbps: 10, upMbps: 0 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('composes cloud and local routes', () => {
    const link = { rttMs: 40, mbps: 8 };
    expect(cloudMs({ link, requestBytes: 1000, responseBytes: 0, queueMs: 3, computeMs: 2 })).toBeCloseTo(40 + 1 + 3 + 2, 6);
    expect(localMs({ computeMs: 5 })).toBe(5);
    expect(localMs({ computeMs: 5, downloadBytes: 1_000_000, link, compileMs: 100 })).toBeCloseTo(40 + 1000 + 100 + 5, 6);
    expect(localMs({ computeMs: 5, downloadBytes: 10 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('prices busy time per slot', () => {
    expect(costUsd(3.6, 1000)).toBeCloseTo(0.001, 12);
    expect(costUsd(3.6, 1000, 4)).toBeCloseTo(0.00025, 12);
  });

  it('moves an EWMA toward samples', () => {
    expect(ewma(undefined, 10)).toBe(10);
    expect(ewma(10, 20, 0.5)).toBe(15);
  });
});

describe('responseBytes (the SDK router and the broker scheduler both weigh the answer with it)', () => {
  it("is the raw bytes of the model's outputs at the request's dims", () => {
    const m = manifestFixture();
    const logits = { datatype: 'FP32' as const, shape: [3, 16], data: new Float32Array(48) };
    expect(responseBytes(m, { batch: 3 })).toBe(tensorToBytes(logits).byteLength);
    expect(responseBytes(m, { batch: 6 })).toBe(2 * responseBytes(m, { batch: 3 }));
  });

  it('counts an unbound dim as 1 and a BYTES element at its estimate', () => {
    const outputs = [
      { name: 'ids', datatype: 'INT64' as const, shape: ['batch', 'seq'] },
      { name: 'label', datatype: 'BYTES' as const, shape: ['batch'] },
    ];
    expect(responseBytes({ outputs }, { batch: 2 })).toBe(2 * 1 * 8 + 2 * BYTES_ELEMENT_ESTIMATE);
  });
});
