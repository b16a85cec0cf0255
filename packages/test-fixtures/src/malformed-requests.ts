import { mulberry32 } from '@splitflow/contract';

// Test and bench support: seeded malformed HTTP requests against an OIP v2 server serving the catalog's
// `tiny` (features FP32 [batch, 64]). Each is the raw bytes a hostile or broken client sends; every one
// must get a typed 4xx `{error, code}` answer and hurt nothing else.

export interface MalformedRequest {
  /** Which mutation made it, for the report. */
  kind: string;
  /** The whole request, sent as is on a fresh connection. */
  bytes: Buffer;
}

export interface MalformedOptions {
  /** Added to every request that passes the framing (a broker needs an API key). */
  authorization?: string;
  /** Bodies declared over this size exercise the 413 path. */
  bodyLimitBytes: number;
}

const CRLF = '\r\n';

function request(method: string, path: string, headers: Record<string, string>, body: Buffer | string = ''): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: fuzz', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) {
    lines.push(`Content-Length: ${payload.length}`);
  }
  return Buffer.concat([Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1'), payload]);
}

/** A generator of `count` malformed requests, the same ones for the same seed. */
export function* malformedRequests(seed: number, count: number, options: MalformedOptions): Generator<MalformedRequest> {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const auth: Record<string, string> = options.authorization ? { Authorization: options.authorization } : {};
  const json = { ...auth, 'Content-Type': 'application/json' };
  const infer = '/v2/models/tiny/infer';
  const row = () => Array.from({ length: 64 }, () => Math.round((random() * 2 - 1) * 1000) / 1000);
  const tensor = (over: Record<string, unknown>) => ({ name: 'features', datatype: 'FP32', shape: [1, 64], data: row(), ...over });
  const body = (inputs: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ inputs, ...extra });
  const junk = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

  const makers: [string, () => Buffer][] = [
    ['truncated-json', () => request('POST', infer, json, body([tensor({})]).slice(0, 1 + int(200)))],
    ['random-bytes-json', () => request('POST', infer, json, junk(1 + int(512)))],
    ['empty-body', () => request('POST', infer, json, '')],
    ['not-an-object', () => request('POST', infer, json, pick(['[]', '42', '"x"', 'null', 'true', '{"inputs":{}}']))],
    ['no-inputs', () => request('POST', infer, json, pick(['{}', '{"inputs":[]}', '{"outputs":[]}']))],
    ['wrong-shape', () => request('POST', infer, json, body([tensor({ shape: [1 + int(3), pick([1, 2, 32, 63, 65, 100, 128])] })]))],
    ['bad-shape-values', () => request('POST', infer, json, body([tensor({ shape: pick([[-1, 64], [1.5, 64], ['a', 64], [1], [], 'x', null]) })]))],
    ['wrong-datatype', () => request('POST', infer, json, body([tensor({ datatype: pick(['FP16', 'INT64', 'BYTES', 'FP8', 'fp32', '', 7]) })]))],
    ['data-count', () => request('POST', infer, json, body([tensor({ data: Array(pick([0, 1, 63, 65, 128, 64 * (2 + int(100))])).fill(0.5) })]))],
    [
      'data-types',
      () => {
        const data: unknown[] = row();
        data[int(64)] = pick(['a', null, true, {}, [], [1, 2]]);
        return request('POST', infer, json, body([tensor({ data })]));
      },
    ],
    [
      'deep-nesting',
      () =>
        request(
          'POST',
          infer,
          json,
          `{"inputs":[{"name":"features","datatype":"FP32","shape":[1,64],"data":${'['.repeat(40 + int(200))}1${']'.repeat(40 + int(200))}}]}`,
        ),
    ],
    ['unknown-input', () => request('POST', infer, json, body([tensor({ name: pick(['x', '', 'features2', '__proto__']) })]))],
    ['duplicate-input', () => request('POST', infer, json, body([tensor({}), tensor({})]))],
    ['unknown-output', () => request('POST', infer, json, body([tensor({})], { outputs: [{ name: pick(['nope', '', 'logits2']) }] }))],
    ['bad-parameters', () => request('POST', infer, json, body([tensor({})], { parameters: pick(['x', 1, [], null]) }))],
    [
      'bad-binary-size',
      () => {
        const head = JSON.stringify({
          inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], parameters: { binary_data_size: pick([-1, 3, 255, 1e9, 'x']) } }],
        });
        return request(
          'POST',
          infer,
          { ...auth, 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(head.length) },
          Buffer.concat([Buffer.from(head), junk(int(300))]),
        );
      },
    ],
    [
      'bad-header-length',
      () =>
        request(
          'POST',
          infer,
          { ...auth, 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': pick(['-5', 'abc', '999999', '1.5', '5']) },
          body([tensor({})]),
        ),
    ],
    ['unknown-model', () => request('POST', `/v2/models/${pick(['nope', 'TINY', 'tiny%20', 'a.b', '..'])}/infer`, json, body([tensor({})]))],
    ['unknown-version', () => request('POST', `/v2/models/tiny/versions/${pick(['9', 'x', '1.0.1'])}/infer`, json, body([tensor({})]))],
    ['bad-escape', () => request('GET', pick(['/v2/models/%ZZ', '/v2/models/%E0%A4%A/ready', '/v2/models/%/infer', '/v2/models/%C0%AE/ready']), auth)],
    ['long-name', () => request('GET', `/v2/models/${'m'.repeat(101 + int(2000))}/ready`, auth)],
    ['unknown-route', () => request(pick(['GET', 'PUT', 'DELETE', 'PATCH']), pick(['/v3', '/v2/models/tiny/infer', '/v2/x/y', '/admin', '/v2/health']), auth)],
    ['big-headers', () => request('GET', '/v2/models/tiny', { ...auth, 'X-Fill': 'a'.repeat(17_000 + int(20_000)) })],
    // Declared over the limit, waiting for 100 Continue before sending (as curl does): refused at once.
    [
      'declared-too-large',
      () => request('POST', infer, { ...json, Expect: '100-continue', 'Content-Length': String(options.bodyLimitBytes + 1 + int(1_000_000)) }, ''),
    ],
    ['bad-content-length', () => request('POST', infer, { ...json, 'Content-Length': pick(['-1', 'abc', '1, 2', '0x10']) }, '{}')],
    [
      'bad-chunking',
      () => request('POST', infer, { ...json, 'Transfer-Encoding': 'chunked' }, pick(['zz\r\nabc\r\n0\r\n\r\n', '2\r\nabcdefgh\r\n0\r\n\r\n', '-1\r\n\r\n'])),
    ],
    ['te-and-cl', () => request('POST', infer, { ...json, 'Transfer-Encoding': 'chunked', 'Content-Length': '5' }, '0\r\n\r\n')],
    ['garbage-request-line', () => Buffer.concat([junk(1 + int(64)), Buffer.from('\r\n\r\n')])],
    ['bad-header-line', () => Buffer.from(`GET /v2 HTTP/1.1\r\nHost: fuzz\r\n${pick(['NoColon', ': empty', 'Bad Name: x', 'X: \u0001'])}\r\n\r\n`, 'latin1')],
    ['bad-version', () => Buffer.from(`GET /v2 HTTP/${pick(['9.9', '1', 'x', '1.1.1'])}\r\nHost: fuzz\r\n\r\n`)],
  ];
  if (options.authorization) {
    makers.push(['no-auth', () => request('POST', infer, { 'Content-Type': 'application/json' }, body([tensor({})]))]);
    makers.push([
      'wrong-auth',
      () => request('POST', infer, { 'Content-Type': 'application/json', Authorization: pick(['Bearer nope', 'Basic x', '', 'Bearer']) }, body([tensor({})])),
    ]);
  }
  for (let i = 0; i < count; i++) {
    const [kind, make] = pick(makers);
    yield { kind, bytes: make() };
  }
}

/** A valid request for `tiny` with a seeded row, and the row (to compare answers with a reference). */
export function validTinyRequest(seed: number): { row: number[]; body: string } {
  const random = mulberry32(seed);
  const row = Array.from({ length: 64 }, () => Math.round((random() * 2 - 1) * 1000) / 1000);
  return { row, body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: row }] }) };
}
