import type { Privacy, RoutingMode } from '@splitflow/sdk';

// The messages between the native host (React Native, Capacitor) and the page, as JSON strings: a
// union keyed on `type`. Tensors travel as plain arrays; a host that sends no inputs gets a seeded input
// built from the model's manifest (for smoke tests of a device).

export interface PlainTensor {
  datatype: 'FP32' | 'INT32' | 'INT64';
  shape: number[];
  data: number[];
}

export type HostMessage =
  | {
      type: 'configure';
      catalog: string;
      broker?: string;
      /** What the host knows and the page cannot measure: the memory this WebView may use for a model. */
      memoryBudgetBytes?: number;
      wasmPaths?: string;
    }
  | { type: 'infer'; id: string; model: string; inputs?: Record<string, PlainTensor>; mode?: RoutingMode; privacy?: Privacy };

export type PageMessage =
  | {
      type: 'ready';
      crossOriginIsolated: boolean;
      wasmThreads: boolean | 'unknown';
      webgpu: boolean;
      deviceMemoryGb: number | 'unknown';
      /** navigator.onLine as the page sees it: a WebView reports the device's connectivity. */
      online: boolean | 'unknown';
    }
  | {
      type: 'result';
      id: string;
      where: 'local' | 'cloud' | 'split';
      /** The cut a split ran at: the head here, the tail in the pool. */
      cut?: string;
      reason: string;
      backend?: string;
      thread?: 'worker' | 'main-thread';
      outputs: Record<string, number[]>;
    }
  /** A verified model file the WebView's storage refused to keep (e.g. QuotaExceededError): it ran from the network copy. */
  | { type: 'storage'; model: string; file: string; bytes: number; name: string; message: string }
  | { type: 'error'; id?: string; code: string; message: string };
