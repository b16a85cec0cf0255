// Capacitor host side. A Capacitor app's web layer *is* the page: build examples/webview into the app's
// webDir (`npx vite build examples/webview --outDir <app>/www`), and drive it from app code with the same
// messages. Capacitor serves from capacitor://localhost (iOS) or https://localhost (Android), without
// COOP/COEP: the SDK runs wasm without threads there, as in the tests.
import type { HostMessage, PageMessage } from '../protocol';

/** Sends a message to the page as the native side would (same window in Capacitor). */
export function post(message: HostMessage): void {
  window.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(message) }));
}

/** Receives the page's answers: the page posts to `webkit.messageHandlers.splitflow` or, failing that, to its parent. */
export function onPageMessage(handle: (message: PageMessage) => void): void {
  const w = window as unknown as { webkit?: { messageHandlers?: { splitflow?: { postMessage(m: string): void } } } };
  w.webkit ??= {};
  w.webkit.messageHandlers ??= {};
  w.webkit.messageHandlers.splitflow = { postMessage: (m) => handle(JSON.parse(m) as PageMessage) };
}

// Example: a budget from the device's RAM class, known natively (e.g. @capacitor/device's memUsed / a plugin).
export function start(catalog: string, broker: string, memoryBudgetBytes: number): void {
  post({ type: 'configure', catalog, broker, memoryBudgetBytes });
}
