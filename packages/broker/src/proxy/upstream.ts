import { SplitflowError } from '@splitflow/contract';
import { type Dispatcher, errors, Pool } from 'undici';

/**
 * The one seam to the network for pools: HTTP/1.1 keep-alive pools per endpoint origin (undici).
 * Anything that speaks OIP v2 over HTTP sits behind it: our worker, Triton, KServe.
 */
export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path below the endpoint's URL, e.g. `/v2/models/tiny/infer`. */
  path: string;
  headers?: Record<string, string>;
  /** One buffer, or a body in the chunks it arrived in (sent as they are, with a content-length). */
  body?: Uint8Array | readonly Uint8Array[];
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
  /** Keep-alive connections per endpoint, when `connectionsFor` says nothing. @default 64 */
  connections?: number;
  /**
   * Connections for one endpoint (its URL as given to `request`). HTTP/1.1 carries one request per
   * connection, so this is how many requests may be at the endpoint at once; more wait inside the
   * client, in arrival order, where neither deadlines nor the scheduler can see them.
   */
  connectionsFor?: (endpointUrl: string) => number | undefined;
}

export function createUpstream(options: UpstreamOptions = {}): Upstream {
  const pools = new Map<string, { pool: Pool; prefix: string }>();
  const connections = options.connections ?? 64;

  function poolFor(endpointUrl: string): { pool: Pool; prefix: string } {
    let entry = pools.get(endpointUrl);
    if (entry === undefined) {
      const url = new URL(endpointUrl);
      const n = options.connectionsFor?.(endpointUrl) ?? connections;
      entry = { pool: new Pool(url.origin, { connections: n, pipelining: 1, keepAliveTimeout: 30_000 }), prefix: url.pathname.replace(/\/+$/, '') };
      pools.set(endpointUrl, entry);
    }
    return entry;
  }

  const failure = (error: unknown, endpointUrl: string, timeoutMs: number): SplitflowError => {
    if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
      return new SplitflowError('TIMEOUT', { message: `${endpointUrl} gave no answer within ${Math.round(timeoutMs)} ms`, cause: error });
    }
    const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
    return new SplitflowError('UPSTREAM_FAILED', { message: `${endpointUrl}: ${reason}`, details: { endpoint: endpointUrl }, cause: error });
  };

  // A dispatch handler that gathers the body's chunks, rather than `pool.request()`: that wraps every
  // answer in a Readable stream and reads it back through it, which costs tens of microseconds per
  // request on the broker's hot path for bodies that are small and wanted whole anyway.
  function request(endpointUrl: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const { pool, prefix } = poolFor(endpointUrl);
    return new Promise((resolve, reject) => {
      let status = 0;
      let headers: UpstreamResponse['headers'] = {};
      const chunks: Buffer[] = [];
      let length = 0;
      const handler: Dispatcher.DispatchHandler = {
        // undici takes a handler for its current API only when it has this method.
        onRequestStart() {},
        onResponseStart(_controller, statusCode, responseHeaders) {
          status = statusCode;
          headers = responseHeaders;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
          length += chunk.length;
        },
        onResponseEnd() {
          resolve({ status, headers, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length) });
        },
        onResponseError(_controller, error) {
          reject(failure(error, endpointUrl, req.timeoutMs));
        },
      };
      let body = req.body ?? null;
      let requestHeaders = req.headers ?? null;
      if (Array.isArray(body)) {
        // undici writes an iterable chunk by chunk; without a length it would send it chunked.
        if (body.length === 1) body = body[0] as Uint8Array;
        else requestHeaders = { ...requestHeaders, 'content-length': String(body.reduce((n: number, c: Uint8Array) => n + c.length, 0)) };
      }
      try {
        pool.dispatch(
          {
            method: req.method,
            path: prefix + req.path,
            headers: requestHeaders,
            // undici's docs list Iterable bodies for dispatch(); its type declarations do not (7.x).
            body: body as Uint8Array | null,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          handler,
        );
      } catch (error) {
        reject(failure(error, endpointUrl, req.timeoutMs));
      }
    });
  }

  async function close(): Promise<void> {
    await Promise.all([...pools.values()].map((p) => p.pool.destroy()));
    pools.clear();
  }

  return { request, close };
}
