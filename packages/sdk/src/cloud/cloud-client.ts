import {
  BINARY_HEADER,
  codeForStatus,
  DEFAULT_BINARY_THRESHOLD,
  decodeInferResponse,
  encodeInferRequest,
  isSplitflowError,
  type NamedTensor,
  type Priority,
  type RouteInfo,
  readRouteInfo,
  SPLITFLOW_PARAMS,
  SplitflowError,
} from '@splitflow/contract/core';
import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky';

export interface CloudClientOptions {
  /** Base URL of an OIP v2 server: the broker, or a worker alone. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Tensors of at least this many bytes go in Triton's binary extension. @default 65536 */
  binaryThreshold?: number;
  /** Retries on 429/503 at most; each must also fit the request's budget. @default 3 */
  maxRetries?: number;
  /** First backoff when no Retry-After is given, doubled per retry, with full jitter. @default 50 */
  backoffMs?: number;
  fetch?: typeof fetch;
  /** Clock for `wallMs` and `headersMs`. @default performance.now */
  now?: () => number;
}

export interface CloudInferOptions {
  /** The request's latency budget: the total timeout, retries included, and `splitflow.deadline_ms`. */
  budgetMs: number;
  priority?: Priority;
  requestId?: string;
  signal?: AbortSignal;
  /** Every tensor in the binary extension, whatever its size (a cut's tensors: their bytes are what the router weighed). @default the client's `binaryThreshold` */
  binary?: true;
}

export interface CloudReply {
  outputs: NamedTensor[];
  /** What the server reported about where and how the request ran. */
  info: RouteInfo;
  wallMs: number;
  /**
   * From the call to the answer's headers: the round trip, the request's upload and the server's
   * time; the rest of `wallMs` is the answer's body coming down.
   */
  headersMs: number;
  /** HTTP attempts made, retries included. */
  attempts: number;
  requestBytes: number;
  responseBytes: number;
  binary: boolean;
}

export interface CloudClient {
  readonly url: string;
  infer(model: string, inputs: NamedTensor[], options: CloudInferOptions): Promise<CloudReply>;
  /**
   * One round trip to `/v2/health/ready`, in ms; the router's RTT seed. Any HTTP answer counts (a
   * broker still starting its pools answers not-ready as fast); only no answer throws.
   */
  ping(signal?: AbortSignal): Promise<number>;
  /**
   * Whether the endpoint serves `model`, from the OIP model metadata (`GET /v2/models/{name}`, which
   * the broker, the worker, Triton and KServe all answer): `true` on 200, `false` on 404. Other
   * failures throw, typed.
   */
  serves(model: string, signal?: AbortSignal): Promise<boolean>;
}

const RETRY_STATUS = [429, 503];

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Turns whatever ky or fetch threw into a SplitflowError with a stable code. */
async function toSplitflowError(error: unknown, attempts: number, signal: AbortSignal | undefined): Promise<SplitflowError> {
  if (isSplitflowError(error)) return error;
  if (error instanceof HTTPError) {
    const { response } = error;
    let body: unknown;
    try {
      const text = await response.text();
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const base = SplitflowError.from(body ?? `HTTP ${response.status} ${response.statusText}`, codeForStatus(response.status));
    const after = retryAfterMs(response);
    return new SplitflowError(base.code, {
      message: base.message,
      details: { ...base.details, status: response.status, attempts },
      retryAfterS: after === undefined ? undefined : after / 1000,
    });
  }
  if (signal?.aborted) return new SplitflowError('ABORTED', { message: 'the caller aborted the request', cause: error });
  const name = (error as { name?: string } | undefined)?.name;
  if (error instanceof TimeoutError || name === 'TimeoutError') {
    return new SplitflowError('TIMEOUT', { message: 'the latency budget ran out before the cloud answered', details: { attempts }, cause: error });
  }
  return new SplitflowError('NETWORK', {
    message: `the cloud request failed: ${(error as Error)?.message ?? String(error)}`,
    details: { attempts },
    cause: error,
  });
}

/**
 * OIP v2 client on ky. Small tensors travel as JSON, large ones in the binary extension (the
 * contract's codec). The latency budget bounds everything: it is the total timeout, retries on
 * 429/503 happen only when their wait (Retry-After, or jittered backoff) still fits, and the server
 * gets it as `splitflow.deadline_ms` so it can refuse early instead of queueing past it.
 */
export function createCloudClient(options: CloudClientOptions): CloudClient {
  const url = options.url.replace(/\/+$/, '');
  const threshold = options.binaryThreshold ?? DEFAULT_BINARY_THRESHOLD;
  const maxRetries = options.maxRetries ?? 3;
  const backoffMs = options.backoffMs ?? 50;
  const now = options.now ?? (() => performance.now());
  const http: KyInstance = ky.create({
    prefixUrl: url,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
    throwHttpErrors: true,
  });

  return {
    url,
    async infer(model, inputs, o) {
      const started = now();
      const deadline = started + o.budgetMs;
      // Each attempt tells the server the time left, not the whole budget, so a retry is not
      // queued for a deadline that has already partly passed.
      const encode = (leftMs: number) => {
        const parameters: Record<string, unknown> = {
          [SPLITFLOW_PARAMS.deadlineMs]: Math.max(1, Math.round(leftMs)),
          [SPLITFLOW_PARAMS.priority]: o.priority ?? 'interactive',
        };
        if (o.requestId) parameters[SPLITFLOW_PARAMS.requestId] = o.requestId;
        return encodeInferRequest({ id: o.requestId, inputs, parameters, binary: o.binary ?? threshold });
      };
      const encoded = encode(o.budgetMs);
      const requestBytes = typeof encoded.body === 'string' ? encoded.body.length : encoded.body.byteLength;
      const budgetSignal = AbortSignal.timeout(Math.max(1, Math.ceil(o.budgetMs)));
      const signal = o.signal ? AbortSignal.any([o.signal, budgetSignal]) : budgetSignal;
      let attempts = 0;
      try {
        const response = await http.post(`v2/models/${encodeURIComponent(model)}/infer`, {
          body: encoded.body as BodyInit,
          headers: encoded.headers,
          signal,
          timeout: Math.max(1, Math.ceil(o.budgetMs)),
          retry: {
            limit: maxRetries,
            methods: ['post'],
            statusCodes: RETRY_STATUS,
            afterStatusCodes: RETRY_STATUS,
            delay: (n) => backoffMs * 2 ** (n - 1),
            jitter: true,
            shouldRetry: ({ error }) => {
              if (!(error instanceof HTTPError) || !RETRY_STATUS.includes(error.response.status)) return false;
              // ky waits the Retry-After when given, else the jittered backoff (at most this much).
              const wait = retryAfterMs(error.response) ?? backoffMs * 2 ** attempts;
              // Retry only if the wait and a fresh round trip still fit the budget.
              if (now() + wait >= deadline) return false;
              return undefined;
            },
          },
          hooks: {
            beforeRequest: [() => void attempts++],
            beforeRetry: [
              ({ request }) => {
                const again = encode(deadline - now());
                const headers = new Headers(request.headers);
                for (const [k, v] of Object.entries(again.headers)) headers.set(k, v);
                return new Request(request, { body: again.body as BodyInit, headers });
              },
            ],
          },
        });
        const headersMs = now() - started;
        const bytes = new Uint8Array(await response.arrayBuffer());
        const decoded = decodeInferResponse(bytes, response.headers.get(BINARY_HEADER));
        return {
          outputs: decoded.outputs,
          info: readRouteInfo(decoded.response.parameters),
          wallMs: now() - started,
          headersMs,
          attempts,
          requestBytes,
          responseBytes: bytes.byteLength,
          binary: typeof encoded.body !== 'string',
        };
      } catch (error) {
        throw await toSplitflowError(error, attempts, o.signal);
      }
    },
    async ping(signal) {
      const started = performance.now();
      try {
        await http.get('v2/health/ready', { signal, timeout: 5000, retry: 0, throwHttpErrors: false });
      } catch (error) {
        throw await toSplitflowError(error, 1, signal);
      }
      return performance.now() - started;
    },
    async serves(model, signal) {
      try {
        await http.get(`v2/models/${encodeURIComponent(model)}`, { signal, timeout: 5000, retry: 0 });
        return true;
      } catch (error) {
        const failure = await toSplitflowError(error, 1, signal);
        if (failure.code === 'MODEL_NOT_FOUND' || failure.code === 'NOT_FOUND') return false;
        throw failure;
      }
    },
  };
}
