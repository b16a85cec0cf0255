/**
 * The M/M/c queue (Erlang C): the standard model for sizing a pool of identical servers fed by
 * independent arrivals, as call centres and cloud autoscalers (e.g. the queueing models behind
 * Kubernetes' predictive scalers) size theirs. `offered` is the load in Erlangs: arrival rate times
 * mean service time, i.e. how many servers the work would keep busy on average.
 */

/** Probability that an arrival has to wait: Erlang C, from the Erlang B recursion (stable for any c). */
export function erlangC(servers: number, offered: number): number {
  if (offered <= 0) return 0;
  if (servers <= offered) return 1;
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offered * b) / (k + offered * b);
  return (servers * b) / (servers - offered * (1 - b));
}

/** P(wait > waitMs) in an M/M/c queue: C(c, a) * exp(-(c - a) * t / S). */
export function waitExceeds(servers: number, offered: number, meanServiceMs: number, waitMs: number): number {
  if (offered <= 0) return 0;
  if (servers <= offered) return 1;
  const c = erlangC(servers, offered);
  if (!(meanServiceMs > 0)) return c;
  return c * Math.exp((-(servers - offered) * Math.max(0, waitMs)) / meanServiceMs);
}

export interface ServersForInput {
  /** Load in Erlangs (arrivals per ms times mean service ms). */
  offered: number;
  meanServiceMs: number;
  /** The wait that a request may spend queued. */
  waitMs: number;
  /** Share of requests that must start within `waitMs`, e.g. 0.99. */
  quantile: number;
}

/** The fewest servers with P(wait > waitMs) <= 1 - quantile; 0 for no load. */
export function serversFor(input: ServersForInput): number {
  const { offered, meanServiceMs, waitMs, quantile } = input;
  if (!(offered > 0)) return 0;
  const allowed = 1 - quantile;
  let c = Math.max(1, Math.floor(offered) + 1);
  // P(wait > t) falls fast with c once c > a; the bound keeps a wrong input from spinning.
  const limit = c + 10_000;
  while (c < limit && waitExceeds(c, offered, meanServiceMs, waitMs) > allowed) c++;
  return c;
}
