import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { type StalledServer, startStalledServer } from '@splitflow/test-fixtures/processes';
import { describe, expect, it } from 'vitest';
import { type Broker, buildBroker } from '../build-broker.js';

// Admission counts bytes: with a request's body held at a pool that never answers, a second body that
// would pass the tenant's (or the pool's) bytes in flight is refused at once, typed, with Retry-After.

const KEY = 'byte-limits-key-0000001';
async function brokerWith(stalled: StalledServer, limits: { maxTenantBytes?: number; maxPoolBytes?: number }): Promise<{ broker: Broker; url: string }> {
  const { catalog } = await writeFixtureCatalog();
  const broker = await buildBroker(
    {
      pools: [cpuPool(stalled.url, ['mlp'], { costPerHour: 1, maxConcurrency: 8, throughput: { gflops: 1, fixedOverheadMs: 1 } })],
      tenants: [{ id: 'acme', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      log: { level: 'silent' },
      limits: { upstreamTimeoutMs: 60_000, ...limits },
    },
    { catalog, healthChecks: false },
  );
  return { broker, url: await broker.listen() };
}

const rows = (n: number) => JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [n, 4], data: Array(n * 4).fill(0.25) }] });
const post = (url: string, body: string, signal?: AbortSignal) =>
  fetch(`${url}/v2/models/mlp/infer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
    ...(signal ? { signal } : {}),
  });

describe('bytes in flight', () => {
  it.each([
    ['tenant', { maxTenantBytes: 2048 }, 429, 'RATE_LIMITED'],
    ['pool', { maxPoolBytes: 2048 }, 503, 'OVERLOADED'],
  ] as const)('per %s: refused past the limit while a body is held, typed, with Retry-After', async (_name, limits, status, code) => {
    // A fresh stalled pool per case: its first request is this case's held one.
    const stalled = await startStalledServer();
    const { broker, url } = await brokerWith(stalled, limits);
    const abort = new AbortController();
    try {
      const held = post(url, rows(100), abort.signal).catch(() => undefined); // ~1.8 KB, held at the stalled pool
      await stalled.firstRequest;
      const refused = await post(url, rows(100));
      expect(refused.status).toBe(status);
      expect(((await refused.json()) as { code: string }).code).toBe(code);
      expect(refused.headers.get('retry-after')).toBe('1');
      abort.abort();
      await held;
    } finally {
      await broker.close();
      await stalled.close();
    }
  });
});
