import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobRequest, JobStore } from './job-store.js';
import { createMemoryJobStore } from './memory-store.js';
import { createSqliteJobStore } from './sqlite-store.js';

const request = (n: number): JobRequest => ({
  tenant: 'acme',
  model: 'mlp',
  body: Buffer.from(`{"inputs":[${n}]}`),
  contentType: 'application/json',
  requestId: `r${n}`,
});

const stores: [string, () => JobStore][] = [
  ['memory', createMemoryJobStore],
  ['sqlite', () => createSqliteJobStore(join(mkdtempSync(join(tmpdir(), 'splitflow-jobs-')), 'jobs.db'))],
];

describe.each(stores)('%s job store', (_name, open) => {
  it('claims queued jobs once, in order, honouring backoff, and keeps results', () => {
    const store = open();
    store.insert('a', request(1), 1);
    store.insert('b', { ...request(2), headerLength: '12', version: '1', traceparent: 'tp' }, 2);
    store.insert('c', request(3), 3);
    const first = store.claim(2, 10);
    expect(first.map((j) => [j.id, j.status, j.attempts])).toEqual([
      ['a', 'running', 1],
      ['b', 'running', 1],
    ]);
    expect(first[1]).toMatchObject({ headerLength: '12', version: '1', traceparent: 'tp' });
    expect(first[0]!.body.toString()).toBe('{"inputs":[1]}');
    store.requeue('a', 100, 11);
    expect(store.claim(5, 50).map((j) => j.id)).toEqual(['c']);
    expect(store.claim(5, 100).map((j) => [j.id, j.attempts])).toEqual([['a', 2]]);
    store.finish('a', 'done', { status: 200, contentType: 'application/json', body: Buffer.from('{"ok":1}') }, 120);
    expect(store.get('a')).toMatchObject({ status: 'done', result: { status: 200 } });
    expect(store.get('a')!.result!.body.toString()).toBe('{"ok":1}');
    expect(store.counts()).toEqual({ queued: 0, running: 2, done: 1, failed: 0 });
    expect(store.recover(130)).toBe(2);
    expect(store.purge(125)).toBe(1);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('nope')).toBeUndefined();
    store.close();
  });
});

describe('sqlite job store', () => {
  it('keeps accepted and running jobs across a close and reopen; recover requeues the running ones', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'splitflow-jobs-')), 'jobs.db');
    const before = createSqliteJobStore(path);
    before.insert('queued', request(1), 1);
    before.insert('running', request(2), 2);
    before.claim(1, 5); // 'queued' is now running
    before.close();
    const after = createSqliteJobStore(path);
    expect(after.counts()).toEqual({ queued: 1, running: 1, done: 0, failed: 0 });
    expect(after.recover(10)).toBe(1);
    expect(
      after
        .claim(10, 20)
        .map((j) => j.id)
        .sort(),
    ).toEqual(['queued', 'running']);
    after.close();
  });
});
