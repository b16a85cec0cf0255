import { type ModelCatalog, type ModelManifest, SplitflowError, validateCatalogLazily } from '@splitflow/contract/core';
import { answered } from '../delivery/answered.js';

export interface LoadedCatalog {
  catalog: ModelCatalog;
  /** Base URL the manifests' file paths are relative to. */
  baseUrl: string;
  manifest(id: string): ModelManifest;
}

/** Resolves `url` against the page (a relative URL needs one); a bad URL is INVALID_REQUEST, not a raw TypeError. */
function absolute(url: string | URL, what: string): URL {
  const location = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(url, location);
  } catch {
    const why = location === undefined ? 'it is relative and there is no page to resolve it against (give an absolute URL)' : 'it is not a URL';
    throw new SplitflowError('INVALID_REQUEST', { message: `${what} ${JSON.stringify(String(url))}: ${why}`, details: { [what]: String(url) } });
  }
}

/** A folder URL: model paths resolve inside it even when the caller left out the trailing slash. */
function folder(url: URL): string {
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/**
 * Loads and validates a catalog (URL or object). Model files resolve against `baseUrl`, by default
 * the catalog URL's folder (`/models/catalog.json` -> `/models/<path>`).
 */
export async function loadCatalog(source: string | URL | ModelCatalog, options: { baseUrl?: string; fetch?: typeof fetch } = {}): Promise<LoadedCatalog> {
  let raw: unknown = source;
  let baseUrl = options.baseUrl === undefined ? undefined : folder(absolute(options.baseUrl, 'modelBaseUrl'));
  if (typeof source === 'string' || source instanceof URL) {
    const url = absolute(source, 'catalog').href;
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await doFetch(url);
    } catch (error) {
      throw new SplitflowError('NETWORK', { message: `catalog ${url}: ${(error as Error).message}`, cause: error });
    }
    if (!answered(response, url))
      throw new SplitflowError('NOT_FOUND', { message: `catalog ${url}: HTTP ${response.status}`, details: { status: response.status } });
    const contentType = response.headers.get('content-type');
    if (contentType && /^\s*text\/html/i.test(contentType)) {
      await response.body?.cancel().catch(() => undefined);
      throw new SplitflowError('NOT_FOUND', {
        message: `catalog ${url} answered with an HTML page, not JSON: check the URL (a server's SPA fallback answers unknown paths with index.html)`,
        details: { url, contentType },
      });
    }
    try {
      raw = await response.json();
    } catch (error) {
      throw new SplitflowError('INVALID_DOCUMENT', { message: `catalog ${url} is not JSON: ${(error as Error).message}` });
    }
    baseUrl ??= new URL('.', url).href;
  }
  if (baseUrl === undefined) throw new SplitflowError('INVALID_REQUEST', { message: 'a catalog given as an object needs `modelBaseUrl`' });
  const catalog = await validateCatalogLazily(raw);
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
