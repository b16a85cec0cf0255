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
