/**
 * A Map-backed stand-in for the Cache API, for Node tests of the model store (Node has no Cache
 * API). It is the seam only: the browser tests run the same store against Chromium's real caches.
 */
export function createMemoryCacheStorage(): CacheStorage & { entries: Map<string, Map<string, Uint8Array>> } {
  const entries = new Map<string, Map<string, Uint8Array>>();
  const open = async (name: string): Promise<Cache> => {
    const store = entries.get(name) ?? new Map<string, Uint8Array>();
    entries.set(name, store);
    const key = (request: RequestInfo | URL) => (typeof request === 'string' ? request : request instanceof URL ? request.href : request.url);
    const cache: Partial<Cache> = {
      match: async (request) => {
        const bytes = store.get(key(request));
        return bytes ? new Response(bytes.slice()) : undefined;
      },
      put: async (request, response) => {
        store.set(key(request), new Uint8Array(await response.arrayBuffer()));
      },
      delete: async (request) => store.delete(key(request)),
    };
    return cache as Cache;
  };
  const storage: Partial<CacheStorage> = {
    open,
    has: async (name) => entries.has(name),
    delete: async (name) => entries.delete(name),
    keys: async () => [...entries.keys()],
  };
  return Object.assign(storage as CacheStorage, { entries });
}
