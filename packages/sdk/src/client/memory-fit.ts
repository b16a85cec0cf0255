import type { LocalBackend } from '../runtime/runtime.js';

/** A wasm32 module addresses at most 4 GiB: onnxruntime-web's wasm backend cannot hold more, whatever the device has. */
export const WASM32_MAX_BYTES = 4 * 1024 ** 3;

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/**
 * Why a model (or a cut's head: `what`) that needs `needBytes` (weights plus activations) cannot run locally, or undefined when it
 * fits: over the page's own memory budget (an embedding WebView, a low-end phone: what the host app
 * knows and the page cannot measure), or, where only wasm could run it, over wasm32's address space.
 */
export function memoryMisfit(needBytes: number, budgetBytes: number | undefined, backends: readonly LocalBackend[], what = 'model'): string | undefined {
  if (budgetBytes !== undefined && needBytes > budgetBytes) return `${what} needs ${mib(needBytes)}, over this page's ${mib(budgetBytes)} memory budget`;
  if (backends.length > 0 && backends.every((b) => b === 'wasm') && needBytes > WASM32_MAX_BYTES) {
    return `${what} needs ${mib(needBytes)}, over the 4 GiB a wasm32 runtime can address`;
  }
  return undefined;
}
