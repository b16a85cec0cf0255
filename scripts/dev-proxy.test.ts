import { join } from 'node:path';
import { unreachablePool } from '@splitflow/test-fixtures/broker-pools';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../packages/broker/src/build-broker.js';
import { ROOT } from './stack.js';

// The field app's dev server proxies /v2 to the broker: an oversized body's 413 must come through it
// (the broker reads the rest of the body instead of closing under the proxy, which made it a 502).

let broker: Broker;
let close: () => Promise<void>;
let appUrl: string;

beforeAll(async () => {
  const { catalog } = await writeFixtureCatalog();
  broker = await buildBroker(
    {
      pools: [unreachablePool()],
      anonymous: {},
      jobs: { store: 'memory' },
      log: { level: 'silent' },
    },
    { catalog, healthChecks: false },
  );
  const brokerUrl = await broker.listen();
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, proxy: { '/v2': brokerUrl }, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  appUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  close = () => server.close();
}, 120_000);
afterAll(async () => {
  await close?.();
  await broker?.close();
});

describe('the dev server /v2 proxy', () => {
  it("passes an oversized body's typed 413 through (20 MB against the broker's 16 MiB)", async () => {
    const res = await fetch(`${appUrl}/v2/models/mlp/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '2' },
      body: Buffer.alloc(20 * 1024 * 1024, 0x20),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });
});
