import {
  BINARY_HEADER,
  codeForStatus,
  DEFAULT_BINARY_THRESHOLD,
  decodeInferResponse,
  type EncodedBody,
  encodeInferRequest,
  isSplitflowError,
  type NamedTensor,
  type Priority,
  type RouteInfo,
  readRouteInfo,
  SPLITFLOW_PARAMS,
  SplitflowError,
} from '@splitflow/contract/core';

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

/** A non-2xx answer as a SplitflowError: the server's own code and message when it sent them. */
async function httpError(response: Response, attempts: number): Promise<SplitflowError> {
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

/** Turns whatever fetch threw (or a SplitflowError already typed) into a SplitflowError with a stable code. */
function toSplitflowError(error: unknown, attempts: number, signal: AbortSignal | undefined): SplitflowError {
  if (isSplitflowError(error)) return error;
  if (signal?.aborted) return new SplitflowError('ABORTED', { message: 'the caller aborted the request', cause: error });
  if ((error as { name?: string } | undefined)?.name === 'TimeoutError') {
    return new SplitflowError('TIMEOUT', { message: 'the latency budget ran out before the cloud answered', details: { attempts }, cause: error });
  }
  return new SplitflowError('NETWORK', {
    message: `the cloud request failed: ${(error as Error)?.message ?? String(error)}`,
    details: { attempts },
    cause: error,
  });
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * OIP v2 client on fetch. Small tensors travel as JSON, large ones in the binary extension (the
 * contract's codec). The latency budget bounds everything: it is the total timeout, retries on
 * 429/503 happen only when their wait (Retry-After, or jittered backoff) still fits, and the server
 * gets it as `splitflow.deadline_ms` so it can refuse early instead of queueing past it. The retry
 * loop is ours rather than a fetch wrapper's: each attempt re-encodes the request with the time
 * left, and a wrapper (ky) was a sixth of the SDK's core bundle.
 */
export function createCloudClient(options: CloudClientOptions): CloudClient {
  const url = options.url.replace(/\/+$/, '');
  const threshold = options.binaryThreshold ?? DEFAULT_BINARY_THRESHOLD;
  const maxRetries = options.maxRetries ?? 3;
  const backoffMs = options.backoffMs ?? 50;
  const now = options.now ?? (() => performance.now());
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  /**
   * One HTTP exchange; its signal bounds it (a timeout rejects as `TimeoutError`). Bytes go as a Blob:
   * Chromium uploads a typed array passed to fetch as is several times slower.
   */
  const send = (path: string, signal: AbortSignal, body?: EncodedBody) =>
    (options.fetch ?? fetch)(`${url}/${path}`, {
      method: body ? 'POST' : 'GET',
      body: typeof body?.body === 'object' ? new Blob([body.body as BlobPart]) : body?.body,
      headers: { ...auth, ...body?.headers },
      signal,
    });
  /** A GET that any HTTP answer ends, bounded at 5 s and by the caller's signal. */
  const get = (path: string, signal?: AbortSignal) => {
    const bound = AbortSignal.timeout(5000);
    return send(path, signal ? AbortSignal.any([signal, bound]) : bound);
  };

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
      let encoded = encode(o.budgetMs);
      const requestBytes = typeof encoded.body === 'string' ? encoded.body.length : encoded.body.byteLength;
      const budgetSignal = AbortSignal.timeout(Math.max(1, Math.ceil(o.budgetMs)));
      const signal = o.signal ? AbortSignal.any([o.signal, budgetSignal]) : budgetSignal;
      let attempts = 0;
      try {
        for (;;) {
          attempts++;
          const response = await send(`v2/models/${encodeURIComponent(model)}/infer`, signal, encoded);
          if (response.ok) {
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
          }
          // The Retry-After when given, else full-jitter backoff; retried only while the wait and a
          // fresh round trip still fit the budget.
          const wait = retryAfterMs(response) ?? backoffMs * 2 ** (attempts - 1) * Math.random();
          if (attempts > maxRetries || !RETRY_STATUS.includes(response.status) || now() + wait >= deadline) throw await httpError(response, attempts);
          await response.body?.cancel();
          await sleep(wait, signal);
          encoded = encode(deadline - now());
        }
      } catch (error) {
        throw toSplitflowError(error, attempts, o.signal);
      }
    },
    async ping(signal) {
      const started = performance.now();
      try {
        await (await get('v2/health/ready', signal)).body?.cancel();
      } catch (error) {
        throw toSplitflowError(error, 1, signal);
      }
      return performance.now() - started;
    },
    async serves(model, signal) {
      let failure: SplitflowError;
      try {
        const response = await get(`v2/models/${encodeURIComponent(model)}`, signal);
        if (response.ok) {
          await response.body?.cancel();
          return true;
        }
        failure = await httpError(response, 1);
      } catch (error) {
        failure = toSplitflowError(error, 1, signal);
      }
      if (failure.code === 'MODEL_NOT_FOUND' || failure.code === 'NOT_FOUND') return false;
      throw failure;
    },
  };
}
