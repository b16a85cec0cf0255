import { describe, expect, it } from 'vitest';
import { isSplitflowError } from '../errors/splitflow-error.js';
import { sampleTensor } from '../test/sample-tensors.js';
import { DATATYPES } from './datatypes.js';
import {
  decodeInferRequest as decodeRequestChecked,
  decodeInferResponse as decodeResponseChecked,
  encodeInferRequest,
  encodeInferResponse,
  splitBody,
} from './infer-codec.js';
import { decodeInferRequest, decodeInferResponse } from './infer-codec-explained.js';
import type { NamedTensor } from './tensor.js';

const plain = (t: NamedTensor) => ({
  ...t,
  data: t.datatype === 'BYTES' ? (t.data as Uint8Array[]).map((b) => [...b]) : Array.from(t.data as ArrayLike<unknown>),
});

describe('Triton binary tensor extension', () => {
  it('lays out the body as JSON header then raw little-endian bytes', () => {
    const input: NamedTensor = { name: 'x', datatype: 'INT32', shape: [2], data: Int32Array.from([1, -2]) };
    const { body, headers } = encodeInferRequest({ inputs: [input], binary: true });
    const header = JSON.stringify({
      inputs: [{ name: 'x', datatype: 'INT32', shape: [2], parameters: { binary_data_size: 8 } }],
      parameters: { binary_data_output: true },
    });
    expect(headers['inference-header-content-length']).toBe(String(header.length));
    expect(headers['content-type']).toBe('application/octet-stream');
    expect([...(body as Uint8Array).subarray(header.length)]).toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    expect(new TextDecoder().decode((body as Uint8Array).subarray(0, header.length))).toBe(header);
  });

  it('lays out BYTES elements as a u32 length then the bytes', () => {
    const input: NamedTensor = { name: 's', datatype: 'BYTES', shape: [2], data: [Uint8Array.from([65]), new Uint8Array(0)] };
    const { body, headers } = encodeInferRequest({ inputs: [input], binary: true });
    const n = Number(headers['inference-header-content-length']);
    expect([...(body as Uint8Array).subarray(n)]).toEqual([1, 0, 0, 0, 65, 0, 0, 0, 0]);
  });

  it('round-trips every datatype in one request, binary and JSON', () => {
    const inputs = DATATYPES.map((d) => ({ name: `in_${d}`, ...sampleTensor(d) }));
    for (const binary of [true, false]) {
      const { body, headers } = encodeInferRequest({ id: 'r1', inputs, binary, parameters: { 'splitflow.deadline_ms': 50 } });
      const decoded = decodeInferRequest(body, headers['inference-header-content-length']);
      expect(decoded.request.id).toBe('r1');
      expect(decoded.request.parameters?.['splitflow.deadline_ms']).toBe(50);
      // BYTES through JSON is UTF-8 text; the sample holds non-UTF-8 bytes, so compare the rest exactly.
      const compare = (ts: NamedTensor[]) => ts.filter((t) => binary || t.datatype !== 'BYTES').map(plain);
      expect(compare(decoded.inputs)).toEqual(compare(inputs));
    }
  });

  it('sends small tensors as JSON and large ones binary under the default threshold', () => {
    const small: NamedTensor = { name: 'a', datatype: 'FP32', shape: [4], data: new Float32Array(4) };
    const large: NamedTensor = { name: 'b', datatype: 'FP32', shape: [20000], data: new Float32Array(20000) };
    const { body, headers } = encodeInferRequest({ inputs: [small, large] });
    const { header } = splitBody(body, headers['inference-header-content-length']);
    const parsed = header as { inputs: { data?: unknown; parameters?: Record<string, unknown> }[] };
    expect(parsed.inputs[0]!.data).toEqual([0, 0, 0, 0]);
    expect(parsed.inputs[1]!.parameters).toEqual({ binary_data_size: 80000 });
  });

  it('carries NaN and Infinity in binary, and refuses them in pure JSON', () => {
    const t: NamedTensor = { name: 'x', datatype: 'FP32', shape: [3], data: Float32Array.from([Number.NaN, Number.POSITIVE_INFINITY, 1]) };
    const { body, headers } = encodeInferRequest({ inputs: [t] });
    const back = decodeInferRequest(body, headers['inference-header-content-length']).inputs[0]!.data as Float32Array;
    expect([Number.isNaN(back[0]), back[1], back[2]]).toEqual([true, Number.POSITIVE_INFINITY, 1]);
    expect(() => encodeInferRequest({ inputs: [t], binary: false })).toThrow(/NaN or Infinity/);
  });

  it('encodes responses with per-output binary choice and decodes them back', () => {
    const outputs: NamedTensor[] = [
      { name: 'logits', datatype: 'FP32', shape: [1, 3], data: Float32Array.from([0.5, -1, 2]) },
      { name: 'ids', datatype: 'INT64', shape: [1], data: BigInt64Array.from([7n]) },
    ];
    const { body, headers } = encodeInferResponse({
      model_name: 'tiny',
      model_version: '1',
      outputs,
      binary: (n) => n === 'logits',
      parameters: { 'splitflow.queue_us': 12 },
    });
    const { response, outputs: back } = decodeInferResponse(body, headers['inference-header-content-length']);
    expect(response.parameters?.['splitflow.queue_us']).toBe(12);
    expect(response.outputs[1]!.data).toEqual([7]);
    expect(back.map(plain)).toEqual(outputs.map(plain));
  });

  it('reads per-output binary requests', () => {
    const { body, headers } = encodeInferRequest({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array(1) }],
      outputs: ['y'],
      binaryOutputs: true,
    });
    const decoded = decodeInferRequest(body, headers['inference-header-content-length']);
    expect([decoded.wantsBinary('y'), decoded.wantsBinary('z'), decoded.outputNames]).toEqual([true, false, ['y']]);
  });
});

describe('bad bodies', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (isSplitflowError(e)) return [e.code, e.message];
      throw e;
    }
    throw new Error('expected a SplitflowError');
  };

  it("without the schema validator (the client's decoders), a malformed header is the same typed error, naming the schema", () => {
    expect(code(() => decodeRequestChecked('{}'))[0]).toBe('INVALID_REQUEST');
    expect(code(() => decodeRequestChecked('{}'))[1]).toMatch(/^invalid inference request: the JSON header is not an OIP v2 inference request/);
    expect(code(() => decodeRequestChecked('{"inputs":[{"name":"x","shape":[-1],"datatype":"FP32","data":[]}]}'))[0]).toBe('INVALID_REQUEST');
    expect(code(() => decodeResponseChecked('{"outputs":[]}'))[0]).toBe('UPSTREAM_FAILED');
    expect(code(() => decodeResponseChecked('{"model_name":"m","outputs":{}}'))[1]).toMatch(/^invalid inference response: /);
    // Past the header both decoders are one code path.
    const body = encodeInferResponse({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([1, 2]) }] });
    expect(Array.from(decodeResponseChecked(body.body).outputs[0]?.data as Float32Array)).toEqual([1, 2]);
  });

  it('answers each malformed body with a typed error naming the problem', () => {
    expect(code(() => decodeInferRequest('{"inputs": ['))[0]).toBe('INVALID_REQUEST');
    expect(code(() => decodeInferRequest('{}'))).toEqual(['INVALID_REQUEST', 'invalid inference request: inputs: required property is missing']);
    expect(code(() => decodeInferRequest('{"inputs":[{"name":"x","shape":[-1],"datatype":"FP32","data":[]}]}'))).toEqual([
      'INVALID_REQUEST',
      'invalid inference request: inputs[0].shape[0]: expected integer >= 0',
    ]);
    expect(code(() => decodeInferResponse('{"outputs":[]}'))).toEqual([
      'UPSTREAM_FAILED',
      'invalid inference response: model_name: required property is missing',
    ]);
    expect(code(() => decodeInferRequest(new Uint8Array(10), 50))).toEqual([
      'INVALID_REQUEST',
      'inference-header-content-length is 50 but the body has only 10 bytes',
    ]);
    expect(code(() => decodeInferRequest('{}', 'abc'))[0]).toBe('INVALID_REQUEST');
    expect(code(() => decodeInferRequest('{"inputs":[{"name":"x","shape":[1],"datatype":"FP99","data":[1]}]}'))).toEqual([
      'INVALID_TENSOR',
      'inputs[0] "x": unknown datatype "FP99"',
    ]);
    expect(code(() => decodeInferRequest('{"inputs":[{"name":"x","shape":[1],"datatype":"FP32"}]}'))[1]).toContain('neither data nor binary_data_size');
  });

  it('checks binary sizes against the binary part exactly', () => {
    const header = '{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}';
    const bytes = new TextEncoder().encode(header);
    const short = new Uint8Array(bytes.length + 4);
    short.set(bytes);
    expect(code(() => decodeInferRequest(short, bytes.length))[1]).toContain('runs past the end of the binary data');
    const long = new Uint8Array(bytes.length + 12);
    long.set(bytes);
    expect(code(() => decodeInferRequest(long, bytes.length))[1]).toContain('4 bytes that no tensor claims');
  });
});
