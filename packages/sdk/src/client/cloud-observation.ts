/** A cloud answer's timings as the cloud client measured them and the server reported them, in ms. */
export interface CloudTimings {
  wallMs: number;
  /** From the call to the answer's headers. */
  headersMs: number;
  requestBytes: number;
  responseBytes: number;
  attempts: number;
  queueMs: number;
  computeMs: number;
}

export interface CloudObservationSplit {
  /** Wall time less the server's queue and compute: round trip plus both transfers. */
  networkMs: number;
  /** The request going up: time to the headers less the round trip and the server's time. */
  upload?: { bytes: number; ms: number };
  /** The answer's body coming down after its headers. */
  download?: { bytes: number; ms: number };
}

/**
 * Splits one cloud call into what went up and what came down, so the uplink is learned apart from
 * the downlink. The upload needs a measured round trip to take out; a retried call is not used for
 * either (its time holds a wait and an earlier attempt).
 */
export function observeCloud(t: CloudTimings, rttMs: number | undefined): CloudObservationSplit {
  const server = t.queueMs + t.computeMs;
  const out: CloudObservationSplit = { networkMs: Math.max(0, t.wallMs - server) };
  if (t.attempts !== 1) return out;
  if (rttMs !== undefined) {
    const up = t.headersMs - server - rttMs;
    if (up > 0) out.upload = { bytes: t.requestBytes, ms: up };
  }
  const down = t.wallMs - t.headersMs;
  if (down > 0) out.download = { bytes: t.responseBytes, ms: down };
  return out;
}
