import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSplitflowError, type ModelFile } from '@splitflow/contract';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { type StaticServer, startStaticServer } from '@splitflow/test-fixtures/static-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf } from '../testing/error-code.js';
import { CACHE_LAYOUT, type CacheWriteFailure, createModelStore, type DownloadProgress, versionedCacheName } from './model-store.js';

let server: StaticServer;
let file: ModelFile;
let bytes: Uint8Array;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sdk-store-'));
  bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251);
  await writeFile(join(dir, 'm.onnx'), bytes);
  file = { path: 'm.onnx', bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), role: 'model' };
  server = await startStaticServer(dir);
});
afterAll(() => server.close());

const codeOf = errorCodeOf;

describe('model store', () => {
  it('downloads with progress, verifies, caches, and serves the second load from the cache alone', async () => {
    const caches = createMemoryCacheStorage();
    const progress: DownloadProgress[] = [];
    const store = createModelStore({ baseUrl: server.url, caches, onProgress: (p) => progress.push(p) });
    expect(await store.missingBytes([file])).toBe(file.bytes);
    const before = server.requests.length;
    const [first] = await store.load('m', [file]);
    expect(first?.fromCache).toBe(false);
    expect(first?.bytes).toEqual(bytes);
    expect(progress.at(-1)).toMatchObject({ loaded: file.bytes, total: file.bytes, fromCache: false });
    expect(progress.map((p) => p.loaded)).toEqual([...progress.map((p) => p.loaded)].sort((a, b) => a - b));
    expect(server.requests.length).toBe(before + 1);
    expect(await store.missingBytes([file])).toBe(0);
    const [second] = await store.load('m', [file]);
    expect(second?.fromCache).toBe(true);
    expect(second?.bytes).toEqual(bytes);
    expect(server.requests.length).toBe(before + 1);
  });

  it('refuses tampered bytes from the network with MODEL_INTEGRITY and stores nothing', async () => {
    const caches = createMemoryCacheStorage();
    const store = createModelStore({ baseUrl: server.url, caches });
    const tampered = bytes.slice();
    tampered[1234] = (tampered[1234] as number) ^ 1;
    server.override('/m.onnx', tampered);
    try {
      let error: unknown;
      await store.load('m', [file]).catch((e) => {
        error = e;
      });
      expect(isSplitflowError(error, 'MODEL_INTEGRITY')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({ file: 'm.onnx', expectedSha256: file.sha256 });
      expect(await store.missingBytes([file])).toBe(file.bytes);
      server.override('/m.onnx', bytes.subarray(0, 1000));
      expect(await codeOf(store.load('m', [file]))).toBe('MODEL_INTEGRITY');
      server.override('/m.onnx', new Uint8Array(file.bytes + 10));
      expect(await codeOf(store.load('m', [file]))).toBe('MODEL_INTEGRITY');
    } finally {
      server.override('/m.onnx', undefined);
    }
  });

  it('drops a tampered cache entry and fetches a good copy', async () => {
    const caches = createMemoryCacheStorage();
    const store = createModelStore({ baseUrl: server.url, caches });
    await store.load('m', [file]);
    const entry = [...(caches.entries.get(versionedCacheName('splitflow-models'))?.values() ?? [])][0] as Uint8Array;
    entry[0] = (entry[0] as number) ^ 0xff;
    const before = server.requests.length;
    const [again] = await store.load('m', [file]);
    expect(again?.fromCache).toBe(false);
    expect(again?.bytes).toEqual(bytes);
    expect(server.requests.length).toBe(before + 1);
  });

  it('says MODEL_NOT_FOUND for a missing file and works without any Cache API', async () => {
    const store = createModelStore({ baseUrl: server.url, caches: undefined });
    expect(await codeOf(store.load('m', [{ ...file, path: 'absent.onnx' }]))).toBe('MODEL_NOT_FOUND');
    const [loaded] = await store.load('m', [file]);
    expect(loaded?.bytes).toEqual(bytes);
    expect(await store.missingBytes([file])).toBe(file.bytes);
  });

  it('replaces a cache written in another layout (an older SDK) and reads one written in its own', async () => {
    const caches = createMemoryCacheStorage();
    // What the first releases wrote (an unversioned cache) and an older layout, each holding this very file.
    const key = `${new URL(file.path, server.url).href}?splitflow-sha256=${file.sha256}`;
    for (const name of ['splitflow-models', `splitflow-models-v${CACHE_LAYOUT - 1}`]) await (await caches.open(name)).put(key, new Response(bytes.slice()));
    await (await caches.open('someone-else')).put('x', new Response('y'));
    const before = server.requests.length;
    const [first] = await createModelStore({ baseUrl: server.url, caches }).load('m', [file]);
    expect(first?.fromCache).toBe(false);
    expect(server.requests.length).toBe(before + 1);
    expect([...caches.entries.keys()].sort()).toEqual(['someone-else', versionedCacheName('splitflow-models')]);
    // The next store of this layout (a reload, a second client) reads what this one wrote.
    const [second] = await createModelStore({ baseUrl: server.url, caches }).load('m', [file]);
    expect(second?.fromCache).toBe(true);
    expect(server.requests.length).toBe(before + 1);
  });

  it('a cache write refused for quota leaves the load working from the network and reports it', async () => {
    const caches = createMemoryCacheStorage();
    const open = caches.open.bind(caches);
    caches.open = async (name) =>
      Object.assign(await open(name), { put: () => Promise.reject(new DOMException('quota of 1 KiB exceeded', 'QuotaExceededError')) });
    const failures: CacheWriteFailure[] = [];
    const store = createModelStore({ baseUrl: server.url, caches, onCacheWriteFailure: (f) => failures.push(f) });
    const [loaded] = await store.load('m', [file]);
    expect(loaded?.bytes).toEqual(bytes);
    expect(failures).toEqual([{ model: 'm', file: 'm.onnx', bytes: file.bytes, name: 'QuotaExceededError', message: 'quota of 1 KiB exceeded' }]);
    expect(await store.missingBytes([file])).toBe(file.bytes);
  });

  it('a cache that will not open (storage already full) leaves the load working and reports each file it could not keep', async () => {
    const caches = createMemoryCacheStorage();
    caches.open = () => Promise.reject(Object.assign(new Error(''), { name: 'NS_ERROR_FILE_NO_DEVICE_SPACE' }));
    const failures: CacheWriteFailure[] = [];
    const store = createModelStore({ baseUrl: server.url, caches, onCacheWriteFailure: (f) => failures.push(f) });
    const [loaded] = await store.load('m', [file]);
    expect(loaded).toMatchObject({ fromCache: false, bytes });
    expect(failures).toEqual([expect.objectContaining({ model: 'm', file: 'm.onnx', name: 'NS_ERROR_FILE_NO_DEVICE_SPACE' })]);
  });

  it("reads files from the app's own scheme where they are: nothing copied into the Cache API (which keeps only http), no failure reported", async () => {
    const caches = createMemoryCacheStorage();
    const fetched: string[] = [];
    const appFetch = (async (url: string) => {
      fetched.push(String(url));
      return new Response(bytes.slice(), { status: 200 });
    }) as typeof fetch;
    const failures: CacheWriteFailure[] = [];
    const store = createModelStore({ baseUrl: 'app://splitflow/models/', caches, fetch: appFetch, onCacheWriteFailure: (f) => failures.push(f) });
    const [first] = await store.load('m', [file]);
    const [second] = await store.load('m', [file]);
    expect(first?.bytes).toEqual(bytes);
    expect([first?.fromCache, second?.fromCache]).toEqual([false, false]);
    expect(fetched).toEqual(['app://splitflow/models/m.onnx', 'app://splitflow/models/m.onnx']);
    expect([...caches.entries.values()].every((cache) => cache.size === 0)).toBe(true);
    expect(failures).toEqual([]);
  });

  it('reads an HTML answer (an SPA fallback, a wrong folder) as MODEL_NOT_FOUND naming the URL, not as tampering', async () => {
    const page = new TextEncoder().encode('<!doctype html>\n<html><head><title>My app</title></head><body><div id="root"></div></body></html>\n');
    const store = createModelStore({ baseUrl: server.url, caches: undefined });
    // Sniffed from the bytes (this server says application/octet-stream).
    server.override('/m.onnx', page);
    try {
      const error = await store.load('m', [file]).catch((e: unknown) => e);
      expect(isSplitflowError(error, 'MODEL_NOT_FOUND')).toBe(true);
      expect((error as Error).message).toMatch(/HTML page.*modelBaseUrl/);
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({ file: 'm.onnx', url: new URL('m.onnx', server.url).href });
    } finally {
      server.override('/m.onnx', undefined);
    }
    // Told by the content-type, before any byte is read.
    const html = createModelStore({
      baseUrl: server.url,
      caches: undefined,
      fetch: async () => new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    });
    const told = await html.load('m', [file]).catch((e: unknown) => e);
    expect(isSplitflowError(told, 'MODEL_NOT_FOUND')).toBe(true);
    expect((told as { details: Record<string, unknown> }).details).toMatchObject({ contentType: 'text/html; charset=utf-8' });
  });

  it('runs without persistence where reading the Cache API throws (opaque origins)', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'caches');
    Object.defineProperty(globalThis, 'caches', {
      configurable: true,
      get() {
        throw new DOMException('Cache storage is disabled because the context is sandboxed', 'SecurityError');
      },
    });
    try {
      const store = createModelStore({ baseUrl: server.url });
      const [loaded] = await store.load('m', [file]);
      expect(loaded?.bytes).toEqual(bytes);
      expect(loaded?.fromCache).toBe(false);
      expect(await store.missingBytes([file])).toBe(file.bytes);
    } finally {
      if (descriptor) Object.defineProperty(globalThis, 'caches', descriptor);
      else delete (globalThis as { caches?: unknown }).caches;
    }
  });
});
