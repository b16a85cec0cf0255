import { isSplitflowError, type ModelFile, SplitflowError, verifyModelFile } from '@splitflow/contract/core';
import { answered } from './answered.js';

/**
 * Where a model is on its way to a first local result. Each phase is announced as it starts;
 * `download` also repeats as bytes arrive. `compile` is the runtime session's creation (the runtime's
 * wasm on first use, graph parsing and optimisation); `first-run` is the session's first run, which
 * pays one-time set-up.
 */
export type ProgressPhase = 'download' | 'verify' | 'compile' | 'first-run';

export interface DownloadProgress {
  model: string;
  phase: ProgressPhase;
  /** The file concerned; for `compile` and `first-run`, the model's graph file. */
  file: string;
  /** Bytes of this file received so far. */
  loaded: number;
  total: number;
  fromCache: boolean;
}

/**
 * The layout of what the store writes (cache name, key scheme, stored responses). Each layout has its
 * own cache, `<cacheName>-v<layout>`; on first open the store deletes the caches of every other layout
 * under the same name (and the unversioned one of the first SDK releases), so an SDK never reads entries
 * another version wrote in another layout: the next version cleanly replaces them.
 */
export const CACHE_LAYOUT = 2;

/** The Cache API name the store uses for `cacheName`. */
export const versionedCacheName = (cacheName: string): string => `${cacheName}-v${CACHE_LAYOUT}`;

/** A verified file the Cache API refused to keep (quota, private mode): this session uses it from memory. */
export interface CacheWriteFailure {
  model: string;
  file: string;
  bytes: number;
  /**
   * The exception's name as the engine gave it: over quota, `QuotaExceededError` (Chromium, WebKit) or
   * `NS_ERROR_FILE_NO_DEVICE_SPACE` (Firefox's Cache API).
   */
  name: string;
  message: string;
}

export interface ModelStoreOptions {
  /** Base URL that manifest file paths are relative to (usually the catalog's URL). */
  baseUrl: string;
  /**
   * Cache API name, versioned by {@link CACHE_LAYOUT}; files are keyed by URL and SHA-256, so a new
   * model version never reads old bytes. @default 'splitflow-models'
   */
  cacheName?: string;
  /** Where the Cache API lives; absent (Node, old WebViews, opaque origins) means no persistence. @default globalThis.caches */
  caches?: CacheStorage;
  fetch?: typeof fetch;
  onProgress?: (progress: DownloadProgress) => void;
  /** A file could not be written to the cache; the load still succeeds from the network copy. */
  onCacheWriteFailure?: (failure: CacheWriteFailure) => void;
}

export interface LoadedFile {
  path: string;
  role: ModelFile['role'];
  bytes: Uint8Array;
  fromCache: boolean;
}

export interface ModelStore {
  /** Bytes of `files` not yet in the cache. */
  missingBytes(files: readonly ModelFile[]): Promise<number>;
  /** Every file, from the cache or the network, verified (size and SHA-256) before it is returned. */
  load(model: string, files: readonly ModelFile[], signal?: AbortSignal): Promise<LoadedFile[]>;
  /** Removes the model's files from the cache. */
  evict(files: readonly ModelFile[]): Promise<void>;
}

const LAYOUT_SUFFIX = /-v\d+$/;

/** Deletes `baseName`'s caches written in other layouts; a storage that cannot list or delete is left as it is. */
async function dropOtherLayouts(storage: CacheStorage, baseName: string): Promise<void> {
  try {
    const names = typeof storage.keys === 'function' ? await storage.keys() : [];
    const current = versionedCacheName(baseName);
    const stale = names.filter((n) => n !== current && (n === baseName || (n.startsWith(`${baseName}-v`) && LAYOUT_SUFFIX.test(n.slice(baseName.length)))));
    await Promise.all(stale.map((n) => storage.delete(n)));
  } catch {
    // Listing or deleting failed (opaque origin, private mode): reads still use only the current layout.
  }
}

/** The page's Cache API; reading it throws a SecurityError in opaque origins (sandboxed iframes, `data:` pages). */
function defaultCaches(): CacheStorage | undefined {
  try {
    return (globalThis as { caches?: CacheStorage }).caches;
  } catch {
    return undefined;
  }
}

/** A server's "page not found" or SPA fallback: HTML where a model file was expected. */
function isHtml(contentType: string | null, head: Uint8Array | undefined): boolean {
  if (contentType && /^\s*(text\/html|application\/xhtml\+xml)/i.test(contentType)) return true;
  if (!head) return false;
  const start = new TextDecoder().decode(head.subarray(0, 64)).trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

function notAModelFile(model: string, file: ModelFile, url: string, contentType: string | null): SplitflowError {
  return new SplitflowError('MODEL_NOT_FOUND', {
    message: `model "${model}" file ${file.path}: ${url} answered with an HTML page (${contentType ?? 'no content-type'}), not the model file; check the catalog URL or \`modelBaseUrl\` (a server's SPA fallback answers unknown paths with index.html)`,
    details: { model, file: file.path, url, contentType },
  });
}

/**
 * Model delivery: fetch with progress, verify size and SHA-256 against the manifest before any use,
 * keep verified files in the Cache API. A cached copy that fails verification (disk corruption, a
 * tampered cache) is dropped and fetched again; a network copy that fails is refused with
 * MODEL_INTEGRITY and never stored.
 */
export function createModelStore(options: ModelStoreOptions): ModelStore {
  const baseName = options.cacheName ?? 'splitflow-models';
  const cacheName = versionedCacheName(baseName);
  const storage = 'caches' in options ? options.caches : defaultCaches();
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let cachePromise: Promise<Cache | undefined> | undefined;
  // Why the cache would not open (Firefox private mode, a storage already over quota): each file this
  // store then cannot keep is reported with it.
  let openFailure: { name?: string; message?: string } | undefined;
  const openCache = () => {
    cachePromise ??= storage
      ? dropOtherLayouts(storage, baseName).then(() =>
          storage.open(cacheName).catch((error) => {
            openFailure = error;
            return undefined;
          }),
        )
      : Promise.resolve(undefined);
    return cachePromise;
  };
  const urlOf = (file: ModelFile) => new URL(file.path, options.baseUrl).href;
  // The Cache API keeps only http(s) requests. Files from the app's own scheme (`app:`, `capacitor:`,
  // `file:`) are on the device already: they are read where they are, never copied into the cache.
  const onDevice = (file: ModelFile) => !/^https?:/.test(urlOf(file));
  const keyOf = (file: ModelFile) => {
    const url = new URL(urlOf(file));
    url.searchParams.set('splitflow-sha256', file.sha256);
    return url.href;
  };

  async function readCached(cache: Cache | undefined, file: ModelFile): Promise<Uint8Array | undefined> {
    const hit = await cache?.match(keyOf(file));
    return hit ? new Uint8Array(await hit.arrayBuffer()) : undefined;
  }

  async function download(model: string, file: ModelFile, signal?: AbortSignal): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await doFetch(urlOf(file), { signal });
    } catch (error) {
      if (signal?.aborted) throw new SplitflowError('ABORTED', { cause: error });
      throw new SplitflowError('NETWORK', { message: `model "${model}" file ${file.path}: ${(error as Error).message}`, cause: error });
    }
    if (!answered(response, urlOf(file))) {
      throw new SplitflowError(response.status === 404 ? 'MODEL_NOT_FOUND' : 'NETWORK', {
        message: `model "${model}" file ${file.path}: HTTP ${response.status}`,
        details: { model, file: file.path, status: response.status },
      });
    }
    const url = urlOf(file);
    const contentType = response.headers.get('content-type');
    if (isHtml(contentType, undefined)) {
      await response.body?.cancel().catch(() => undefined);
      throw notAModelFile(model, file, url, contentType);
    }
    const out = new Uint8Array(file.bytes);
    let loaded = 0;
    const reader = response.body?.getReader();
    if (!reader) {
      const whole = new Uint8Array(await response.arrayBuffer());
      if (isHtml(null, whole)) throw notAModelFile(model, file, url, contentType);
      options.onProgress?.({ model, phase: 'download', file: file.path, loaded: whole.byteLength, total: file.bytes, fromCache: false });
      return whole;
    }
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded === 0 && isHtml(null, value)) {
        await reader.cancel();
        throw notAModelFile(model, file, url, contentType);
      }
      if (loaded + value.byteLength > file.bytes) {
        // Longer than the manifest says: stop reading, it can never verify.
        await reader.cancel();
        throw new SplitflowError('MODEL_INTEGRITY', {
          message: `model "${model}" file ${file.path}: more than the manifest's ${file.bytes} bytes`,
          details: { model, file: file.path, expectedBytes: file.bytes },
        });
      }
      out.set(value, loaded);
      loaded += value.byteLength;
      options.onProgress?.({ model, phase: 'download', file: file.path, loaded, total: file.bytes, fromCache: false });
    }
    return loaded === file.bytes ? out : out.subarray(0, loaded);
  }

  async function loadOne(model: string, file: ModelFile, signal?: AbortSignal): Promise<LoadedFile> {
    const cache = onDevice(file) ? undefined : await openCache();
    const cached = await readCached(cache, file);
    if (cached) {
      try {
        options.onProgress?.({ model, phase: 'verify', file: file.path, loaded: cached.byteLength, total: file.bytes, fromCache: true });
        await verifyModelFile(model, file, cached);
        options.onProgress?.({ model, phase: 'download', file: file.path, loaded: cached.byteLength, total: file.bytes, fromCache: true });
        return { path: file.path, role: file.role, bytes: cached, fromCache: true };
      } catch (error) {
        if (!isSplitflowError(error, 'MODEL_INTEGRITY')) throw error;
        await cache?.delete(keyOf(file));
      }
    }
    const bytes = await download(model, file, signal);
    options.onProgress?.({ model, phase: 'verify', file: file.path, loaded: bytes.byteLength, total: file.bytes, fromCache: false });
    await verifyModelFile(model, file, bytes);
    // Storing can fail on quota; the verified bytes are still good for this session, and the caller hears why.
    const notKept = (e?: { name?: string; message?: string }) =>
      options.onCacheWriteFailure?.({
        model,
        file: file.path,
        bytes: bytes.byteLength,
        name: e?.name ?? 'Error',
        message: String(e?.message ?? e),
      });
    if (cache) await cache.put(keyOf(file), new Response(bytes.slice(), { headers: { 'content-type': 'application/octet-stream' } })).catch(notKept);
    else if (openFailure) notKept(openFailure);
    return { path: file.path, role: file.role, bytes, fromCache: false };
  }

  return {
    async missingBytes(files) {
      const cache = await openCache();
      if (!cache) return files.reduce((n, f) => n + f.bytes, 0);
      let missing = 0;
      for (const file of files) if (!(await cache.match(keyOf(file)))) missing += file.bytes;
      return missing;
    },
    load: (model, files, signal) => Promise.all(files.map((f) => loadOne(model, f, signal))),
    async evict(files) {
      const cache = await openCache();
      for (const file of files) await cache?.delete(keyOf(file));
    },
  };
}
