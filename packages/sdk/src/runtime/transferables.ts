import type { NamedTensor } from '@splitflow/contract/core';

/**
 * The ArrayBuffers that can move (not copy) with these tensors: each distinct, non-shared buffer.
 * Moving detaches it on the sending side, which is the point: no copy of a large input.
 */
export function transferablesOf(tensors: readonly NamedTensor[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const views = t.datatype === 'BYTES' ? (t.data as Uint8Array[]) : [t.data as ArrayBufferView];
    for (const v of views) if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
  }
  return [...out];
}
