import type { NetworkInfo } from '@splitflow/contract/core';

interface ConnectionLike {
  effectiveType?: string;
  rtt?: number;
  downlink?: number;
  saveData?: boolean;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 'unknown');

/** Online state and the Network Information API (Chromium only); absent parts are `unknown`. */
export function probeNetwork(nav: unknown): NetworkInfo {
  const n = nav as { onLine?: boolean; connection?: ConnectionLike } | undefined;
  const c = n?.connection;
  return {
    online: typeof n?.onLine === 'boolean' ? n.onLine : 'unknown',
    effectiveType: typeof c?.effectiveType === 'string' ? c.effectiveType : 'unknown',
    rttMs: num(c?.rtt),
    downlinkMbps: num(c?.downlink),
    saveData: typeof c?.saveData === 'boolean' ? c.saveData : 'unknown',
  };
}
/**
 * The link's round trip, measured without what a first request also pays: two pings once `quiet`
 * has settled (e.g. the device probe, which keeps the thread busy; if it fails, so does this), and
 * the faster is the round trip. The first opens the connection (TCP and TLS handshakes cost extra
 * round trips), the second goes over the kept-alive one; a ping can only be slowed (a busy thread, a
 * queue, a handshake), never sped up.
 */
export const measureRoundTrip = async (ping: () => Promise<number>, quiet?: Promise<unknown>): Promise<number> => {
  await quiet;
  return Math.min(await ping(), await ping());
};
