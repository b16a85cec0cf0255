import type { NamedTensor, SerializedError } from '@splitflow/contract';
import type { OrtSessionOptions } from './ort-node.js';

/** What the main thread hands a session thread when it starts it. */
export interface SessionHostData {
  /** The verified model file (a copy: the thread owns it). */
  model: Uint8Array;
  options: OrtSessionOptions;
}

/** Main thread -> session thread. */
export type HostRequest = { type: 'run'; id: number; inputs: NamedTensor[] } | { type: 'release' };

/** Session thread -> main thread. */
export type HostReply =
  | { type: 'ready'; inputNames: string[]; outputNames: string[] }
  | { type: 'open-failed'; message: string }
  | { type: 'result'; id: number; outputs: NamedTensor[] }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'released' };

const coversWhole = (view: ArrayBufferView) => view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;

/**
 * Tensors ready to post to another thread, and the buffers to move rather than copy. A tensor that
 * covers its buffer whole is moved (the sender's view is detached: callers must not read it after);
 * a view into a larger buffer (a request body, Buffer's shared pool) is copied first, or the clone
 * would carry, and a transfer detach, everything around it.
 */
export function forTransfer(tensors: readonly NamedTensor[]): { tensors: NamedTensor[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const out = tensors.map((t) => {
    if (t.datatype === 'BYTES') return t;
    const view = t.data as ArrayBufferView & { slice(): ArrayBufferView };
    const owned = coversWhole(view) ? t : ({ ...t, data: view.slice() } as NamedTensor);
    const buffer = (owned.data as ArrayBufferView).buffer as ArrayBuffer;
    if (!transfer.includes(buffer)) transfer.push(buffer);
    return owned;
  });
  return { tensors: out, transfer };
}
