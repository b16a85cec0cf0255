import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawExchange } from '@splitflow/test-fixtures/raw-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelsHandler } from './serve-models.js';

// The dev server's /models/ route over a real socket, on a models dir laid out as the project's.

let server: Server;
let port: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-models-route-'));
  mkdirSync(join(dir, 'build', 'tiny'), { recursive: true });
  writeFileSync(join(dir, 'catalog.json'), '{"catalogVersion":1}');
  writeFileSync(join(dir, 'build', 'tiny', 'model.onnx'), Buffer.from([1, 2, 3]));
  writeFileSync(join(dir, 'build.ts'), 'secret source');
  const handler = createModelsHandler(dir, { 'Cross-Origin-Resource-Policy': 'same-origin' });
  server = createServer((req, res) =>
    handler(req, res, () => {
      res.statusCode = 418;
      res.end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (path: string) => rawExchange(port, [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);

describe('/models/', () => {
  it('serves the catalog and built model files', async () => {
    const catalog = await get('/models/catalog.json');
    expect(catalog.status).toBe(200);
    expect(catalog.body).toBe('{"catalogVersion":1}');
    const model = await get('/models/tiny/model.onnx');
    expect(model.status).toBe(200);
    expect(model.headers['content-length']).toBe('3');
    expect(model.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it.each([
    '/models/..%2fbuild.ts',
    '/models/../build.ts',
    '/models/%2e%2e/build.ts',
    '/models/tiny/..%2f..%2fbuild.ts',
    '/models/%2fetc%2fpasswd',
    '/models/tiny',
    '/models/',
  ])('refuses %s with a typed 404 and nothing of the file', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'NOT_FOUND' });
    expect(answer.body).not.toMatch(/secret/);
  });

  it('answers a malformed escape with a typed 400, no stack and no path', async () => {
    const answer = await get('/models/%ZZ');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'the path has a malformed percent-encoding', code: 'INVALID_REQUEST' });
  });

  it('passes other paths on', async () => {
    expect((await get('/v2/health/ready')).status).toBe(418);
  });
});
