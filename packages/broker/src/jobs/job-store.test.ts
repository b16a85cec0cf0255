import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSplitflowError } from '@splitflow/contract';
import { type RunningRedis, startRedis } from '@splitflow/test-fixtures/redis-server';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobRequest, JobStore } from './job-store.js';
import { createMemoryJobStore } from './memory-store.js';
import { connectRedis, type RedisClient } from './redis-client.js';
import { createRedisJobStore, type RedisJobStoreOptions } from './redis-store.js';
import { createSqliteJobStore } from './sqlite-store.js';

// One contract for every job store, run against memory, SQLite and a real redis-server. How claims
// are held differs on purpose (see JobStore): memory and SQLite serve one broker and recover every
// running job at startup; Redis leases them, and recovers only leases that ran out.

let redis: RunningRedis;
let prefixes = 0;
const clients: RedisClient[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.close();
});

const client = async () => {
  const c = await connectRedis(redis.url, { setting: 'jobs.url', name: 'splitflow-test' });
  clients.push(c);
  return c;
};
/** A store on its own key prefix (its own "deployment"), or on `prefix` to share one with another store. */
const redisStore = async (options: RedisJobStoreOptions = {}) =>
  createRedisJobStore(await client(), { prefix: `test${++prefixes}:`, leaseMs: 60_000, ...options });

const request = (n: number): JobRequest => ({
  tenant: 'acme',
  model: 'mlp',
  body: Buffer.from(`{"inputs":[${n}]}`),
  contentType: 'application/json',
  requestId: `r${n}`,
});
const answer = (text: string) => ({ status: 200, contentType: 'application/json', body: Buffer.from(text) });

const stores: [string, () => Promise<JobStore>][] = [
  ['memory', async () => createMemoryJobStore()],
  ['sqlite', async () => createSqliteJobStore(join(mkdtempSync(join(tmpdir(), 'splitflow-jobs-')), 'jobs.db'))],
  ['redis', () => redisStore()],
];

describe.each(stores)('%s job store', (_name, open) => {
  it('claims queued jobs once, in order, honouring backoff, and keeps results', async () => {
    const store = await open();
    await store.insert('a', request(1), 1);
    await store.insert('b', { ...request(2), headerLength: '12', version: '1', traceparent: 'tp' }, 2);
    await store.insert('c', request(3), 3);
    const first = await store.claim(2, 10);
    expect(first.map((j) => [j.id, j.status, j.attempts])).toEqual([
      ['a', 'running', 1],
      ['b', 'running', 1],
    ]);
    expect(first[1]).toMatchObject({ tenant: 'acme', model: 'mlp', requestId: 'r2', headerLength: '12', version: '1', traceparent: 'tp', createdAt: 2 });
    expect(first[0]!.body.toString()).toBe('{"inputs":[1]}');
    expect(first[0]!.version).toBeUndefined();
    await store.requeue(first[0]!, 100, 11);
    expect((await store.claim(5, 50)).map((j) => j.id)).toEqual(['c']);
    expect((await store.claim(5, 100)).map((j) => [j.id, j.attempts])).toEqual([['a', 2]]);
    await store.finish('a', 'done', { ...answer('{"ok":1}'), headerLength: '8' }, 120);
    expect(await store.get('a')).toMatchObject({ status: 'done', attempts: 2, result: { status: 200, headerLength: '8' } });
    expect((await store.get('a'))!.result!.body.toString()).toBe('{"ok":1}');
    expect(await store.counts()).toEqual({ queued: 0, running: 2, done: 1, failed: 0 });
    expect(await store.purge(125)).toBe(1);
    expect(await store.counts()).toEqual({ queued: 0, running: 2, done: 0, failed: 0 });
    expect(await store.get('nope')).toBeUndefined();
    await store.close();
  });

  it('keeps the first answer, ignores a stale holder and reports claims it no longer holds', async () => {
    const store = await open();
    await store.insert('a', request(1), 1);
    const [first] = await store.claim(1, 2);
    await store.requeue(first!, 0, 3);
    const [second] = await store.claim(1, 4);
    expect(second!.attempts).toBe(2);
    // The first holder comes back late: its requeue changes nothing, its renewal is refused.
    await store.requeue(first!, 0, 5);
    expect(await store.counts()).toMatchObject({ queued: 0, running: 1 });
    expect(await store.renew([first!, second!], 6)).toEqual(['a']);
    await store.finish('a', 'done', answer('first'), 7);
    await store.finish('a', 'failed', answer('second'), 8);
    expect(await store.get('a')).toMatchObject({ status: 'done', updatedAt: 7 });
    expect((await store.get('a'))!.result!.body.toString()).toBe('first');
    // An answer for a job that is queued again (its holder was presumed dead) still counts, and ends it.
    await store.insert('b', request(2), 9);
    await store.finish('b', 'failed', { ...answer('{"error":"x"}'), status: 400 }, 10);
    expect(await store.claim(5, 11)).toEqual([]);
    expect(await store.counts()).toEqual({ queued: 0, running: 0, done: 1, failed: 1 });
    await store.close();
  });

  it("counts a tenant's request bytes until each job's first answer, and shows jobs without their body", async () => {
    const store = await open();
    await store.insert('a', { ...request(0), body: Buffer.alloc(1000) }, 1);
    await store.insert('b', { ...request(0), body: Buffer.alloc(300) }, 2);
    await store.insert('c', { ...request(0), tenant: 'zeta', body: Buffer.alloc(7) }, 3);
    expect([await store.queuedBytes('acme'), await store.queuedBytes('zeta'), await store.queuedBytes('nobody')]).toEqual([1300, 7, 0]);
    const [a] = await store.claim(1, 10);
    expect(a?.body.length).toBe(1000);
    expect(await store.queuedBytes('acme')).toBe(1300);
    await store.finish('a', 'done', answer('{}'), 11);
    await store.finish('a', 'failed', answer('again'), 12);
    expect(await store.queuedBytes('acme')).toBe(300);
    await store.finish('b', 'failed', answer('{}'), 13);
    expect([await store.queuedBytes('acme'), await store.queuedBytes('zeta')]).toEqual([0, 7]);
    // A status poll carries no request body, queued or finished.
    expect(await store.get('c')).not.toHaveProperty('body');
    expect(await store.get('a')).not.toHaveProperty('body');
    expect((await store.get('a'))?.result?.body.toString()).toBe('{}');
    await store.close();
  });

  it('keeps binary bodies and results byte for byte', async () => {
    const store = await open();
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1 << 20)]);
    await store.insert('bin', { ...request(0), body, contentType: 'application/octet-stream', headerLength: '40' }, 1);
    const [job] = await store.claim(1, 2);
    expect(job!.body.equals(body)).toBe(true);
    const result = randomBytes(70_000);
    await store.finish('bin', 'done', { status: 200, contentType: 'application/octet-stream', headerLength: '17', body: result }, 3);
    const done = await store.get('bin');
    expect(done!.result!.body.equals(result)).toBe(true);
    expect(done!.result!.headerLength).toBe('17');
    await store.close();
  });
});

describe.each(stores.slice(0, 2))('%s job store (one broker)', (_name, open) => {
  it('recover queues every running job again, as after a broker died', async () => {
    const store = await open();
    await store.insert('a', request(1), 1);
    await store.insert('b', request(2), 2);
    await store.claim(2, 3);
    expect(await store.recover(4)).toBe(2);
    expect((await store.claim(5, 5)).map((j) => [j.id, j.attempts])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    await store.close();
  });
});

describe('sqlite job store', () => {
  it('keeps accepted and running jobs across a close and reopen; recover requeues the running ones', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'splitflow-jobs-')), 'jobs.db');
    const before = createSqliteJobStore(path);
    await before.insert('queued', request(1), 1);
    await before.insert('running', request(2), 2);
    await before.claim(1, 5); // 'queued' is now running
    await before.close();
    const after = createSqliteJobStore(path);
    expect(await after.counts()).toEqual({ queued: 1, running: 1, done: 0, failed: 0 });
    expect(await after.recover(10)).toBe(1);
    expect((await after.claim(10, 20)).map((j) => j.id).sort()).toEqual(['queued', 'running']);
    await after.close();
  });
});

describe('redis job store', () => {
  it('leaves jobs under a live lease alone and queues again only those whose lease ran out', async () => {
    const prefix = `lease${++prefixes}:`;
    // Two stores on one prefix: two brokers sharing a Redis.
    // 600 ms leases renewed every 100 ms: a renewal may come 500 ms late (a loaded machine) and still hold.
    const a = await redisStore({ prefix, leaseMs: 600 });
    const b = await redisStore({ prefix, leaseMs: 600 });
    await a.insert('kept', request(1), 1);
    await a.insert('dropped', request(2), 2);
    const [kept] = await a.claim(1, 10);
    const [dropped] = await b.claim(1, 10);
    expect([kept!.id, dropped!.id]).toEqual(['kept', 'dropped']);
    expect(await b.recover(11)).toBe(0);
    // `a` renews its claim as a running broker does (every third of the lease); `b` has died.
    const renewing = setInterval(() => void a.renew([kept!], Date.now()), 100);
    try {
      await vi.waitFor(
        async () => {
          if ((await a.recover(Date.now())) !== 1) throw new Error('the lapsed lease is not recovered yet');
        },
        { timeout: 3000, interval: 50 },
      );
      expect(await a.get('kept')).toMatchObject({ status: 'running', attempts: 1 });
      expect(await a.get('dropped')).toMatchObject({ status: 'queued', attempts: 1 });
      expect((await a.claim(5, Date.now())).map((j) => [j.id, j.attempts])).toEqual([['dropped', 2]]);
      expect(await b.renew([dropped!], Date.now())).toEqual(['dropped']);
    } finally {
      clearInterval(renewing);
    }
    await a.close();
    await b.close();
  });

  it('hands each job to exactly one of two stores claiming at once', async () => {
    const prefix = `race${++prefixes}:`;
    const [a, b] = [await redisStore({ prefix }), await redisStore({ prefix })];
    for (let i = 0; i < 60; i++) await a.insert(`j${i}`, request(i), i);
    const drain = async (store: JobStore) => {
      const got: string[] = [];
      for (;;) {
        const jobs = await store.claim(3, 1000);
        if (jobs.length === 0) return got;
        got.push(...jobs.map((j) => j.id));
      }
    };
    const [fromA, fromB] = await Promise.all([drain(a), drain(b)]);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    expect(new Set([...fromA, ...fromB]).size).toBe(60);
    expect(fromA.length + fromB.length).toBe(60);
    await a.close();
    await b.close();
  });

  it('stores bodies as bytes, keeps deployments apart by prefix and lets finished jobs expire', async () => {
    const raw = await client();
    const store = await redisStore({ prefix: 'one:', retentionS: 0.3 });
    const other = await redisStore({ prefix: 'two:' });
    const body = randomBytes(100_000);
    await store.insert('x', { ...request(0), body }, 1);
    await store.insert('y', request(1), 1);
    // Bytes, not base64 (which would be 4/3 as long).
    expect(await raw.hstrlen('one:job:x', 'body')).toBe(body.length);
    expect(await other.get('x')).toBeUndefined();
    expect(await other.claim(5, 10)).toEqual([]);
    // Queued and running jobs never expire; a finished one is gone after the retention.
    expect(await raw.pttl('one:job:x')).toBe(-1);
    await store.claim(1, 10);
    expect(await raw.pttl('one:job:x')).toBe(-1);
    await store.finish('x', 'done', answer('{}'), 20);
    expect(await raw.hexists('one:job:x', 'body')).toBe(0);
    expect(await raw.pttl('one:job:x')).toBeGreaterThan(0);
    await vi.waitFor(
      async () => {
        if ((await store.get('x')) !== undefined) throw new Error('not expired yet');
      },
      { timeout: 3000, interval: 50 },
    );
    expect(await store.get('y')).toMatchObject({ status: 'queued' });
    await store.close();
    await other.close();
  });

  it('loses nothing it acknowledged when redis-server is killed, and answers 503 while it is down', async () => {
    // A server of its own: this one is killed.
    const own = await startRedis();
    try {
      const store = createRedisJobStore(await connectRedis(own.url, { setting: 'jobs.url', name: 'splitflow-test' }), { leaseMs: 60_000 });
      const body = randomBytes(4096);
      await store.insert('kept', { ...request(0), body }, 1);
      await store.insert('running', request(1), 2);
      await store.claim(1, 3);
      await own.kill();
      const down = await store.insert('refused', request(2), 4).catch((e: unknown) => e);
      expect(isSplitflowError(down, 'OVERLOADED')).toBe(true);
      expect(down).toMatchObject({ status: 503, retryable: true, retryAfterS: 1, details: { store: 'redis' } });
      expect(isSplitflowError(await store.counts().catch((e: unknown) => e), 'OVERLOADED')).toBe(true);
      await own.restart();
      // The client reconnects by itself; the AOF (fsync always) brought back every acknowledged write.
      await vi.waitFor(() => store.get('kept'), { timeout: 5000, interval: 50 });
      expect(await store.counts()).toEqual({ queued: 1, running: 1, done: 0, failed: 0 });
      // Its body too, byte for byte (read raw: a status poll does not carry bodies).
      const raw = await connectRedis(own.url, { setting: 'jobs.url', name: 'splitflow-test' });
      expect((await raw.hgetBuffer('splitflow:job:kept', 'body'))?.equals(body)).toBe(true);
      raw.disconnect();
      await store.close();
    } finally {
      await own.close();
    }
  });
});

describe('sqlite job store: bodies out of the hot row', () => {
  it('keeps request bodies in a table of their own, read by claims and dropped with the first answer', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'splitflow-jobs-')), 'jobs.db');
    const store = createSqliteJobStore(path);
    const body = randomBytes(1 << 20);
    await store.insert('big', { ...request(0), body }, 1);
    const db = new Database(path, { readonly: true });
    try {
      // The row that claims, requeues and polls touch holds no body; the body table holds it once.
      expect(db.prepare("SELECT length(body) AS n FROM jobs WHERE id = 'big'").get()).toEqual({ n: 0 });
      expect(db.prepare("SELECT length(body) AS n FROM job_bodies WHERE id = 'big'").get()).toEqual({ n: body.length });
      const [job] = await store.claim(1, 2);
      expect(job?.body.equals(body)).toBe(true);
      await store.requeue({ id: 'big', attempts: 1 }, 3, 3);
      const [again] = await store.claim(1, 4);
      expect(again?.body.equals(body)).toBe(true);
      await store.finish('big', 'done', answer('{}'), 5);
      expect(db.prepare('SELECT COUNT(*) AS n FROM job_bodies').get()).toEqual({ n: 0 });
    } finally {
      db.close();
      await store.close();
    }
  });

  it('still runs jobs a file written before kept in the row', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'splitflow-jobs-')), 'jobs.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, model TEXT NOT NULL, version TEXT, body BLOB NOT NULL,
      content_type TEXT NOT NULL, header_length TEXT, request_id TEXT NOT NULL, traceparent TEXT, status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, not_before INTEGER NOT NULL DEFAULT 0,
      result_status INTEGER, result_content_type TEXT, result_header_length TEXT, result_body BLOB)`);
    old
      .prepare(`INSERT INTO jobs (id, tenant, model, body, content_type, request_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', 1, 1)`)
      .run('legacy', 'acme', 'mlp', Buffer.from('{"inputs":[7]}'), 'application/json', 'r7');
    old.close();
    const store = createSqliteJobStore(path);
    const [job] = await store.claim(1, 2);
    expect([job?.id, job?.body.toString()]).toEqual(['legacy', '{"inputs":[7]}']);
    await store.close();
  });
});
