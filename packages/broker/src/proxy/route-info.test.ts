import { BINARY_HEADER, isSplitflowError, LOAD_HEADERS, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { openResponse, withRoute } from './route-info.js';

const answer = (parameters: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify({ model_name: 'tiny', outputs: [], parameters })),
});

describe('openResponse: what the endpoint reports', () => {
  it("reads our worker's load headers, run size included", () => {
    const { report } = openResponse(
      answer({}, { [LOAD_HEADERS.queueUs]: '120', [LOAD_HEADERS.computeUs]: '900', [LOAD_HEADERS.queueDepth]: '3', [LOAD_HEADERS.batchSize]: '24' }),
    );
    expect(report).toEqual({ queueUs: 120, computeUs: 900, queueDepth: 3, batchSize: 24 });
  });

  it('falls back to OIP parameters, and ignores values that are not counts', () => {
    const { report } = openResponse(answer({ [SPLITFLOW_PARAMS.batchSize]: 8, [SPLITFLOW_PARAMS.computeUs]: -5, [SPLITFLOW_PARAMS.queueDepth]: 'many' }));
    expect(report).toEqual({ batchSize: 8 });
  });

  it('an answer that is not an OIP response is UPSTREAM_FAILED', () => {
    const error = (() => {
      try {
        openResponse({ status: 200, headers: {}, body: Buffer.from('[1,2]') });
      } catch (e) {
        return e;
      }
    })();
    expect(isSplitflowError(error, 'UPSTREAM_FAILED')).toBe(true);
  });

  it.each([
    ['a truncated header', '{"outputs":[{"name":"y","data":[1,2', {}],
    ['an unterminated string', '{"model_name":"m', {}],
    ['text after the object', '{"outputs":[]} trailing', {}],
    ['parameters that are not JSON', '{"parameters":{"a":tru}}', {}],
    ['a header length past the body', '{}', { [BINARY_HEADER]: '99' }],
    ['a header length that is not a number', '{}', { [BINARY_HEADER]: 'x' }],
  ])('%s is UPSTREAM_FAILED', (_what, body, headers) => {
    expect(() => openResponse({ status: 200, headers, body: Buffer.from(body) })).toThrow(expect.objectContaining({ code: 'UPSTREAM_FAILED' }));
  });
});

describe('withRoute: the route joins the parameters, every other byte passes as written', () => {
  const route = { [SPLITFLOW_PARAMS.pool]: 'cpu', [SPLITFLOW_PARAMS.costUsd]: 1.5e-9 };
  const open = (text: string, binary = Buffer.alloc(0), headers: Record<string, string> = {}) =>
    openResponse({
      status: 200,
      headers: binary.length > 0 ? { [BINARY_HEADER]: String(Buffer.byteLength(text)), ...headers } : headers,
      body: Buffer.concat([Buffer.from(text), binary]),
    });

  it('keeps INT64 values past 2^53 and the spelling of floats exactly', () => {
    const text =
      '{"model_name":"m","outputs":[{"name":"y","datatype":"INT64","shape":[3],"data":[4611686018427387906,-9223372036854775808,9007199254740993]},{"name":"f","datatype":"FP32","shape":[2],"data":[1.00000000,1e-45]}],"parameters":{"a":1}}';
    const { body } = withRoute(open(text), route);
    const out = body.toString();
    expect(out).toContain('[4611686018427387906,-9223372036854775808,9007199254740993]');
    expect(out).toContain('[1.00000000,1e-45]');
    expect(JSON.parse(out).parameters).toEqual({ a: 1, ...route });
  });

  it('replaces members the route names rather than writing a key twice', () => {
    const text = `{"parameters":{"${SPLITFLOW_PARAMS.pool}":"old","x":"}\\"{"},"outputs":[]}`;
    const out = withRoute(open(text), route).body.toString();
    expect(out.split(SPLITFLOW_PARAMS.pool).length).toBe(2);
    expect(JSON.parse(out)).toEqual({ parameters: { x: '}"{', ...route }, outputs: [] });
  });

  it('adds parameters when there are none, or when they are not an object', () => {
    expect(JSON.parse(withRoute(open('{"outputs":[]}'), route).body.toString())).toEqual({ outputs: [], parameters: route });
    expect(JSON.parse(withRoute(open(' { } '), route).body.toString())).toEqual({ parameters: route });
    expect(JSON.parse(withRoute(open('{"parameters":null,"id":"7"}'), route).body.toString())).toEqual({ parameters: route, id: '7' });
    expect(JSON.parse(withRoute(open('{"parameters":{}}'), route).body.toString())).toEqual({ parameters: route });
  });

  it('keeps the binary part byte for byte and states the new header length', () => {
    const binary = Buffer.from([0, 0, 0x80, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const text =
      '{"outputs":[{"name":"y","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}},{"name":"b","datatype":"BYTES","shape":[1],"parameters":{"binary_data_size":5}}]}';
    const encoded = withRoute(open(text, binary), route);
    const n = Number(encoded.headerLength);
    expect(encoded.contentType).toBe('application/octet-stream');
    expect(encoded.body.subarray(n)).toEqual(binary);
    expect(JSON.parse(encoded.body.subarray(0, n).toString()).parameters).toEqual(route);
  });
});
