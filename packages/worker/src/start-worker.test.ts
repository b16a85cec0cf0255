import { BINARY_HEADER, decodeInferResponse, encodeInferRequest, LOAD_HEADERS, readLoadHeaders } from '@splitflow/contract';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { responseIssues } from '@splitflow/test-fixtures/oip-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from './start-worker.js';

let worker: RunningWorker;
beforeAll(async () => {
  worker = await startWorker({ catalog: CATALOG_PATH, models: ['tiny', 'vision-s'] });
});
afterAll(async () => {
  await worker?.close();
});

describe('startWorker', () => {
  it('listens on a free loopback port and answers OIP over real HTTP, binary tensors included', async () => {
    expect(worker.url).toBe(`http://127.0.0.1:${worker.port}`);
    expect((await fetch(`${worker.url}/v2/health/ready`)).status).toBe(200);
    const encoded = encodeInferRequest({
      inputs: [
        { name: 'image', datatype: 'FP32', shape: [2, 3, 224, 224], data: Float32Array.from({ length: 2 * 3 * 224 * 224 }, (_, i) => Math.cos(i / 100)) },
      ],
    });
    // 1.2 MB of pixels: over the 64 KiB threshold, so the codec sends them binary.
    expect(encoded.headers[BINARY_HEADER]).toBeDefined();
    const res = await fetch(`${worker.url}/v2/models/vision-s/infer`, {
      method: 'POST',
      headers: encoded.headers,
      body: Buffer.from(encoded.body as Uint8Array),
    });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(responseIssues('inference_response', { headers: Object.fromEntries(res.headers), rawPayload: Buffer.from(bytes) })).toEqual([]);
    const decoded = decodeInferResponse(bytes, res.headers.get(BINARY_HEADER));
    expect(decoded.outputs[0]?.shape).toEqual([2, 1000]);
    expect(Array.from(decoded.outputs[0]?.data as Float32Array).every(Number.isFinite)).toBe(true);
    expect(readLoadHeaders((n) => res.headers.get(n))).toMatchObject({ batchSize: 2, hardware: 'cpu', queueDepth: 0 });
    expect(res.headers.get(LOAD_HEADERS.computeUs)).toMatch(/^\d+$/);
  });

  it('two workers run side by side on different ports; close is idempotent', async () => {
    const second = await startWorker({ catalog: CATALOG_PATH, models: ['tiny'] });
    try {
      expect(second.port).not.toBe(worker.port);
      expect((await fetch(`${second.url}/v2/models/tiny/ready`)).status).toBe(200);
      expect((await fetch(`${second.url}/v2/models/vision-s/ready`)).status).toBe(404);
    } finally {
      await Promise.all([second.close(), second.close()]);
    }
    await expect(fetch(`${second.url}/v2/health/live`)).rejects.toThrow();
  });
});
