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
  | { type: 'infer'; id: string; model: string; inputs?: Record<string, PlainTensor>; mode?: 'auto' | 'local-only' | 'cloud-only' };

export type PageMessage =
  | { type: 'ready'; crossOriginIsolated: boolean; wasmThreads: boolean | 'unknown'; webgpu: boolean; deviceMemoryGb: number | 'unknown' }
  | { type: 'result'; id: string; where: 'local' | 'cloud'; reason: string; backend?: string; outputs: Record<string, number[]> }
  | { type: 'error'; id?: string; code: string; message: string };
