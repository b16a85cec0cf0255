import { SplitflowError } from '@splitflow/contract';
import { errors, Pool } from 'undici';

/**
 * The one seam to the network for pools: HTTP/1.1 keep-alive pools per endpoint origin (undici).
 * Anything that speaks OIP v2 over HTTP sits behind it: our worker, Triton, KServe.
 */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path below the endpoint's URL, e.g. `/v2/models/tiny/infer`. */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Upstream {
  /** Resolves with any HTTP answer; rejects with UPSTREAM_FAILED (no answer) or TIMEOUT. */
  request(endpointUrl: string, request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  /** Keep-alive connections per endpoint. @default 64 */
  connections?: number;
}

export function createUpstream(options: UpstreamOptions = {}): Upstream {
  const pools = new Map<string, { pool: Pool; prefix: string }>();
  const connections = options.connections ?? 64;

  function poolFor(endpointUrl: string): { pool: Pool; prefix: string } {
    let entry = pools.get(endpointUrl);
    if (entry === undefined) {
      const url = new URL(endpointUrl);
      entry = { pool: new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 }), prefix: url.pathname.replace(/\/+$/, '') };
      pools.set(endpointUrl, entry);
    }
    return entry;
  }

  async function request(endpointUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const { pool, prefix } = poolFor(endpointUrl);
    try {
      const res = await pool.request({
        method: req.method,
        path: prefix + req.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body };
    } catch (error) {
      if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
        throw new SplitflowError('TIMEOUT', { message: `${endpointUrl} gave no answer within ${Math.round(req.timeoutMs)} ms`, cause: error });
      }
      const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
      throw new SplitflowError('UPSTREAM_FAILED', { message: `${endpointUrl}: ${reason}`, details: { endpoint: endpointUrl }, cause: error });
    }
  }

  async function close(): Promise<void> {
    await Promise.all([...pools.values()].map((p) => p.pool.destroy()));
    pools.clear();
  }

  return { request, close };
}
