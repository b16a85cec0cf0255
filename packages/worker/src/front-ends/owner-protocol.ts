import { isErrorCode, isSplitflowError, type ModelManifest, type NamedTensor, SplitflowError } from '@splitflow/contract';
import type { BatchLayout } from '../batching/batch-layout.js';
import type { BatchOutcome, RunPriority } from '../batching/batch-queue.js';
import type { BatchingConfig } from '../config.js';
import type { SessionTuning } from '../session/model-session.js';

/**
 * Messages between HTTP front-end processes and the process that owns the sessions and batch
 * queues, over node:cluster's IPC channel with `serialization: 'advanced'` (the structured clone, so
 * typed arrays and maps cross without JSON). Each message carries every item ready in one event-loop
 * turn, so a loaded pool sends a message per turn rather than per request.
 */

/** A served model as the owner describes it to front ends. */
export type ModelView =
  | { state: 'ready'; manifest: ModelManifest; layout: BatchLayout | undefined; batching: BatchingConfig; tuning: SessionTuning }
  | { state: 'refused'; manifest: ModelManifest; error: WireError };

export interface WireError {
  code: string;
  message: string;
  details: Record<string, unknown>;
  retryAfterS: number | undefined;
}

export interface SubmitItem {
  /** The front end's number for this request, echoed in the answer. */
  n: number;
  model: string;
  inputs: NamedTensor[];
  priority: RunPriority;
  /** Time left for the answer when sent, ms. */
  deadlineMs: number | undefined;
  /** `wallClockMs()` when sent: the owner takes the channel's time off the deadline. */
  sentAt: number;
}

export type AnswerItem = { n: number; ok: true; outcome: BatchOutcome } | { n: number; ok: false; error: WireError };

/** The owner's load as the load headers report it: waiting requests per model, and requests it holds from every front end. */
export interface PoolLoad {
  depths: Record<string, number>;
  totalDepth: number;
  inFlight: number;
}

export type FrontEndMessage =
  | { t: 'hello' }
  | { t: 'submit'; items: SubmitItem[] }
  | { t: 'metrics'; n: number }
  | { t: 'metrics-json'; n: number; json: unknown[] };

export type OwnerMessage =
  | { t: 'models'; models: ModelView[] }
  | { t: 'answers'; items: AnswerItem[] }
  | { t: 'load'; load: PoolLoad }
  | { t: 'metrics'; n: number; text: string; error?: undefined }
  | { t: 'metrics'; n: number; text?: undefined; error: string }
  | { t: 'metrics-json'; n: number };

/** Milliseconds on a clock the processes of one host share, finer than Date.now(). */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

export function toWireError(error: unknown): WireError {
  if (isSplitflowError(error)) return { code: error.code, message: error.message, details: error.details, retryAfterS: error.retryAfterS };
  return { code: 'INTERNAL', message: (error as Error)?.message ?? String(error), details: {}, retryAfterS: undefined };
}

export function fromWireError(wire: WireError): SplitflowError {
  return new SplitflowError(isErrorCode(wire.code) ? wire.code : 'INTERNAL', {
    message: wire.message,
    details: wire.details,
    ...(wire.retryAfterS !== undefined ? { retryAfterS: wire.retryAfterS } : {}),
  });
}

/**
 * The tensor with data of its own: the structured clone copies a typed array's whole buffer, and a
 * view into a request body or a merged run would carry every other row with it.
 */
export function ownTensor(tensor: NamedTensor): NamedTensor {
  const data = tensor.data;
  if (ArrayBuffer.isView(data) && (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength)) {
    return { ...tensor, data: (data as Float32Array).slice() } as NamedTensor;
  }
  return tensor;
}
