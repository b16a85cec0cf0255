import type { NodeRecord } from './node-record.js';
import { nodeFlops } from './op-flops.js';

export interface GraphCount {
  flops: number;
  /** Largest working set of one node (its non-weight inputs and outputs), in bytes. */
  peakActivationBytes: number;
  /** FLOPs by op type, for reports and tests. */
  byOp: Record<string, number>;
}

export function countRecords(records: readonly NodeRecord[]): GraphCount {
  let flops = 0;
  let peakActivationBytes = 0;
  const byOp: Record<string, number> = {};
  for (const r of records) {
    const f = nodeFlops(r);
    flops += f;
    byOp[r.opType] = (byOp[r.opType] ?? 0) + f;
    peakActivationBytes = Math.max(peakActivationBytes, r.activationBytes);
  }
  return { flops, peakActivationBytes, byOp };
}
