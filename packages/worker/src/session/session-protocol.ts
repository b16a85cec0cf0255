import type { NamedTensor, SerializedError } from '@splitflow/contract';
import type { OrtSessionOptions } from './ort-node.js';

/** Main thread -> session thread. A thread holds one session or several, each named by `sid`. */
export type HostRequest =
  | { type: 'open'; sid: number; model: Uint8Array; options: OrtSessionOptions }
  | { type: 'run'; sid: number; id: number; inputs: NamedTensor[] }
  | { type: 'release'; sid: number };

/** Session thread -> main thread. */
export type HostReply =
  | { type: 'opened'; sid: number; inputNames: string[]; outputNames: string[] }
  | { type: 'open-failed'; sid: number; message: string }
  | { type: 'result'; id: number; outputs: NamedTensor[] }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'released'; sid: number };

/** A copy in a buffer of its own, of the same element type (a Node Buffer becomes a Uint8Array: Buffer#slice would not copy). */
export function copyOf(view: ArrayBufferView): ArrayBufferView {
  const bytes = new Uint8Array(view.byteLength);
  bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const Ctor = Buffer.isBuffer(view) || view instanceof DataView ? Uint8Array : (view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView);
  return new Ctor(bytes.buffer);
}

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
    const view = t.data as ArrayBufferView;
    const owned = coversWhole(view) ? t : ({ ...t, data: copyOf(view) } as NamedTensor);
    const buffer = (owned.data as ArrayBufferView).buffer as ArrayBuffer;
    if (!transfer.includes(buffer)) transfer.push(buffer);
    return owned;
  });
  return { tensors: out, transfer };
}
