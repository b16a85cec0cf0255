import { type BrokerConfig, SplitflowError, type ValidationIssue } from '@splitflow/contract';

/** What the endpoints of one pool said about one model it lists. */
export interface PoolModelCheck {
  pool: string;
  model: string;
  /** `pools[i].models[j]` in the config. */
  path: string;
  /** Endpoints that know the model (ready, or known and loading). */
  serving: string[];
  /** Endpoints that answered 404: they do not serve it. */
  missing: string[];
  /** Endpoints that did not answer, or answered something else: they could not say. */
  unknown: string[];
}

export interface PoolModelReport {
  checks: PoolModelCheck[];
  /** Pools that list a model every one of their endpoints said it does not serve. */
  refused: PoolModelCheck[];
  /** Lines to log: models no endpoint serves yet because some endpoints could not be asked. */
  warnings: string[];
}

/**
 * Asks every endpoint of every pool whether it serves each model the pool lists, with OIP v2's
 * `GET /v2/models/{name}/ready` (workers, Triton and KServe all answer it; 404 means "not served").
 * A pool that lists a model none of its endpoints serves is a config mistake that would otherwise show
 * only as a 404 per request, so the broker refuses to start on it. An endpoint that does not answer
 * (not started yet, down) cannot say: that is a warning, not a refusal, since workers may start after
 * the broker.
 */
export async function checkPoolModels(config: BrokerConfig, options: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<PoolModelReport> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 3000;
  const ask = async (endpoint: string, model: string): Promise<'serving' | 'missing' | 'unknown'> => {
    try {
      const url = new URL(`v2/models/${encodeURIComponent(model)}/ready`, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
      const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 404) return 'missing';
      // 200 ready; 503 known but loading (or refused to load, which its own errors report).
      return res.ok || res.status === 503 ? 'serving' : 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const checks = await Promise.all(
    config.pools.flatMap((pool, i) => {
      // Discovered and registering members come and go (and registration checks each worker itself):
      // only a pool made of listed endpoints can be judged at startup.
      if (pool.discovery !== undefined) return [];
      const endpoints = pool.endpoints ?? [];
      return pool.models.map(async (model, j) => {
        const check: PoolModelCheck = { pool: pool.name, model, path: `pools[${i}].models[${j}]`, serving: [], missing: [], unknown: [] };
        const answers = await Promise.all(endpoints.map((e) => ask(e.url, model)));
        answers.forEach((answer, k) => {
          check[answer].push(endpoints[k]?.url as string);
        });
        return check;
      });
    }),
  );
  const refused = checks.filter((c) => c.serving.length === 0 && c.unknown.length === 0 && c.missing.length > 0);
  const warnings = checks
    .filter((c) => c.serving.length === 0 && c.unknown.length > 0)
    .map((c) => `pool "${c.pool}" lists model "${c.model}", and no endpoint serves it yet: ${c.unknown.join(', ')} did not answer`);
  return { checks, refused, warnings };
}

/** The refusal: INVALID_DOCUMENT naming each pool, model and the endpoints that said no. */
export function poolModelError(refused: readonly PoolModelCheck[]): SplitflowError {
  const issues: ValidationIssue[] = refused.map((c) => ({
    path: c.path,
    message: `pool "${c.pool}" lists model "${c.model}", but none of its endpoints serves it (${c.missing.join(', ')} answered 404)`,
  }));
  return new SplitflowError('INVALID_DOCUMENT', {
    message: `invalid broker config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}; remove the model from the pool or serve it there`,
    details: { issues },
  });
}
