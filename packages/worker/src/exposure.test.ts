import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';
import type { WorkerConfig } from './config.js';

// What the worker reveals: /metrics open, behind a token, or off; credentials in query strings never
// in its log.

async function worker(over: Partial<WorkerConfig>) {
  return buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], ...over });
}

describe('worker /metrics', () => {
  it('is open by default, and gone when turned off', async () => {
    const open = await worker({});
    const off = await worker({ metrics: false });
    try {
      expect((await open.inject('/metrics')).statusCode).toBe(200);
      const gone = await off.inject('/metrics');
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await Promise.all([open.close(), off.close()]);
    }
  });

  it('asks for the bearer token when one is configured', async () => {
    const app = await worker({ metricsToken: 'scrape-token-0123456789' });
    try {
      const none = await app.inject('/metrics');
      expect(none.statusCode).toBe(401);
      expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const ok = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('splitflow_worker_');
    } finally {
      await app.close();
    }
  });
});

describe('worker log', () => {
  it('never writes a credential sent in the query string', async () => {
    const lines: string[] = [];
    const app = await worker({ logLevel: 'info', logStream: { write: (line) => void lines.push(line) } });
    try {
      await app.inject('/v2/models/tiny?api_key=s3cr3t-key-0001&verbose=1');
      await app.inject('/v2/nowhere?token=s3cr3t-token-0002');
    } finally {
      await app.close();
    }
    const log = lines.join('');
    expect(log).toContain('api_key=[redacted]&verbose=1');
    expect(log).toContain('token=[redacted]');
    expect(log).not.toContain('s3cr3t');
  });
});
