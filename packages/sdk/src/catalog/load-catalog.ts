import { type ModelCatalog, type ModelManifest, SplitflowError, validateCatalog } from '@splitflow/contract';

export interface LoadedCatalog {
  catalog: ModelCatalog;
  /** Base URL the manifests' file paths are relative to. */
  baseUrl: string;
  manifest(id: string): ModelManifest;
}

function baseFor(source: string | URL): string {
  const location = (globalThis as { location?: { href: string } }).location?.href;
  return new URL('.', new URL(source, location)).href;
}

/**
 * Loads and validates a catalog (URL or object). Model files resolve against `baseUrl`, by default
 * the catalog URL's folder (`/models/catalog.json` -> `/models/<path>`).
 */
export async function loadCatalog(source: string | URL | ModelCatalog, options: { baseUrl?: string; fetch?: typeof fetch } = {}): Promise<LoadedCatalog> {
  let raw: unknown = source;
  let baseUrl = options.baseUrl;
  if (typeof source === 'string' || source instanceof URL) {
    const location = (globalThis as { location?: { href: string } }).location?.href;
    const url = new URL(source, location).href;
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await doFetch(url);
    } catch (error) {
      throw new SplitflowError('NETWORK', { message: `catalog ${url}: ${(error as Error).message}`, cause: error });
    }
    if (!response.ok) throw new SplitflowError('NOT_FOUND', { message: `catalog ${url}: HTTP ${response.status}`, details: { status: response.status } });
    try {
      raw = await response.json();
    } catch (error) {
      throw new SplitflowError('INVALID_DOCUMENT', { message: `catalog ${url} is not JSON: ${(error as Error).message}` });
    }
    baseUrl ??= baseFor(url);
  }
  if (baseUrl === undefined) throw new SplitflowError('INVALID_REQUEST', { message: 'a catalog given as an object needs `modelBaseUrl`' });
  const catalog = validateCatalog(raw);
  const byId = new Map(catalog.models.map((m) => [m.id, m]));
  return {
    catalog,
    baseUrl,
    manifest(id) {
      const manifest = byId.get(id);
      if (!manifest) {
        throw new SplitflowError('MODEL_NOT_FOUND', {
          message: `no model "${id}" in the catalog; it has ${[...byId.keys()].map((k) => `"${k}"`).join(', ')}`,
          details: { model: id },
        });
      }
      return manifest;
    },
  };
}
