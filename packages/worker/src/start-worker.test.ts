import { rm } from 'node:fs/promises';
import { BINARY_HEADER, decodeInferResponse, encodeInferRequest, LOAD_HEADERS, readLoadHeaders } from '@splitflow/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from './start-worker.js';
import { type FixtureCatalog, writeFixtureCatalog } from './testing/fixture-catalog.js';
import { responseIssues } from './testing/oip-spec.js';

let fixture: FixtureCatalog;
let worker: RunningWorker;
beforeAll(async () => {
  fixture = await writeFixtureCatalog();
  worker = await startWorker({ catalog: fixture.catalogPath });
});
afterAll(async () => {
  await worker?.close();
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
});

describe('startWorker', () => {
  it('listens on a free loopback port and answers OIP over real HTTP, binary tensors included', async () => {
    expect(worker.url).toBe(`http://127.0.0.1:${worker.port}`);
    expect((await fetch(`${worker.url}/v2/health/ready`)).status).toBe(200);
    const encoded = encodeInferRequest({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: Float32Array.from([1, 2, 3, 4, -1, -2, -3, -4]) }],
      binary: true,
    });
    const res = await fetch(`${worker.url}/v2/models/mlp/infer`, { method: 'POST', headers: encoded.headers, body: encoded.body as Uint8Array });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const headers = Object.fromEntries(res.headers);
    expect(responseIssues('inference_response', { headers, rawPayload: Buffer.from(bytes) })).toEqual([]);
    const decoded = decodeInferResponse(bytes, res.headers.get(BINARY_HEADER));
    expect(decoded.outputs[0]?.shape).toEqual([2, 3]);
    expect(readLoadHeaders((n) => res.headers.get(n))).toMatchObject({ batchSize: 2, hardware: 'cpu', queueDepth: 0 });
    expect(res.headers.get(LOAD_HEADERS.computeUs)).toMatch(/^\d+$/);
  });

  it('two workers run side by side on different ports; close is idempotent', async () => {
    const second = await startWorker({ catalog: fixture.catalogPath, models: ['double'] });
    try {
      expect(second.port).not.toBe(worker.port);
      expect((await fetch(`${second.url}/v2/models/double/ready`)).status).toBe(200);
      expect((await fetch(`${second.url}/v2/models/mlp/ready`)).status).toBe(404);
    } finally {
      await Promise.all([second.close(), second.close()]);
    }
    await expect(fetch(`${second.url}/v2/health/live`)).rejects.toThrow();
  });
});
