import { Writable } from 'node:stream';
import type { BrokerConfig } from '@splitflow/contract';
import { redactUrl } from '@splitflow/server-kit';
import { unreachablePool } from '@splitflow/test-fixtures/broker-pools';
import { writeFixtureCatalog } from '@splitflow/test-fixtures/fixture-catalog';
import { describe, expect, it } from 'vitest';
import { buildBroker } from '../build-broker.js';
import { createLogger } from './logger.js';

// What the broker reveals: /metrics open, behind a token, or off; credentials in query strings never
// in its log.

const KEY = 'exposure-test-key-0001';

async function broker(exposure: BrokerConfig['exposure'], lines: string[] = []) {
  const { catalog } = await writeFixtureCatalog();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return buildBroker(
    {
      pools: [unreachablePool()],
      tenants: [{ id: 'acme', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      ...(exposure ? { exposure } : {}),
    },
    { catalog, healthChecks: false, logger: createLogger('info', sink) },
  );
}

describe('/metrics', () => {
  it('is open by default, as Prometheus expects', async () => {
    const b = await broker(undefined);
    expect((await b.app.inject('/metrics')).statusCode).toBe(200);
    await b.close();
  });

  it('asks for the bearer token when one is configured', async () => {
    const b = await broker({ metricsToken: 'scrape-token-0123456789' });
    const none = await b.app.inject('/metrics');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await b.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const ok = await b.app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('splitflow_broker_');
    await b.close();
  });

  it('is absent when turned off', async () => {
    const b = await broker({ metrics: false });
    expect((await b.app.inject('/metrics')).statusCode).toBe(404);
    await b.close();
  });
});

describe('logs', () => {
  it('never carry a key sent in the query string', async () => {
    const lines: string[] = [];
    const b = await broker(undefined, lines);
    await b.app.inject({ url: `/v2/models/mlp?api_key=${KEY}&x=1&token=t0p-secret`, headers: { authorization: `Bearer ${KEY}` } });
    const log = lines.join('');
    expect(log).toContain('/v2/models/mlp?api_key=[redacted]&x=1&token=[redacted]');
    expect(log).not.toContain(KEY);
    expect(log).not.toContain('t0p-secret');
    await b.close();
  });

  it('redactUrl keeps everything but credential values', () => {
    expect(redactUrl('/v2/models/m')).toBe('/v2/models/m');
    expect(redactUrl('/a?key=1&b=2&access%5Ftoken=3&flag')).toBe('/a?key=[redacted]&b=2&access%5Ftoken=[redacted]&flag');
  });
});
