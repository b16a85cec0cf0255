import { SplitflowError } from '@splitflow/contract';

export interface RegistrationOptions {
  /** The broker's base URL, e.g. `http://broker:8080`. */
  broker: string;
  /** The pool to join; the broker's config must allow registration for it. */
  pool: string;
  /** This worker's URL as the broker should reach it. */
  url: string;
  /** Shared secret the broker's `registration.tokens` lists. */
  token: string;
  /** What this worker serves and is, sent with every heartbeat. */
  describe(): Promise<{ models: string[]; hardware: string }>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  onError?(error: Error): void;
}

export interface Registration {
  /** Registers now, then heartbeats at the interval the broker asks for; rejects if the first is refused. */
  start(): Promise<void>;
  /** Stops heartbeating and tells the broker this worker leaves (it drains what it was sent). */
  stop(): Promise<void>;
}

/**
 * A worker that announces itself to a broker instead of being listed in its config, and keeps
 * announcing: a broker drops an endpoint whose heartbeats stop (a crash, a preempted machine).
 */
export function createRegistration(o: RegistrationOptions): Registration {
  const doFetch = o.fetch ?? globalThis.fetch;
  const endpoint = `${o.broker.replace(/\/+$/, '')}/v2/splitflow/endpoints`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${o.token}` };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function beat(): Promise<number> {
    // The uptime lets the broker measure a start-up (process start to admitted) for its capacity plan.
    const body = JSON.stringify({ pool: o.pool, url: o.url, ...(await o.describe()), uptimeMs: Math.round(performance.now()) });
    const res = await doFetch(endpoint, { method: 'POST', headers, body });
    const answer = (await res.json().catch(() => ({}))) as { heartbeatMs?: number };
    if (!res.ok) throw SplitflowError.from(answer, 'UPSTREAM_FAILED');
    return answer.heartbeatMs ?? 1000;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      beat().then(schedule, (error: Error) => {
        o.onError?.(error);
        schedule(ms);
      });
    }, ms).unref();
  }

  return {
    async start() {
      stopped = false;
      schedule(await beat());
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      try {
        await doFetch(endpoint, { method: 'DELETE', headers, body: JSON.stringify({ pool: o.pool, url: o.url }) });
      } catch (error) {
        // The broker drops us when the heartbeats stop anyway.
        o.onError?.(error as Error);
      }
    },
  };
}
