import type { HostMessage, PageMessage } from './protocol.js';

// The page's side of the native bridge. React Native's WebView injects `window.ReactNativeWebView`
// before the page runs and delivers the host's postMessage as a `message` event (on `document` on
// Android, `window` on iOS); Capacitor apps call a plugin or the same events. A page opened in a plain
// browser (an iframe) talks to its parent.

interface NativeTarget {
  postMessage(message: string): void;
}

function target(): NativeTarget | undefined {
  const g = globalThis as { ReactNativeWebView?: NativeTarget; webkit?: { messageHandlers?: { splitflow?: NativeTarget } } };
  // Looked up on every send: the host may inject its object after the page has loaded.
  if (g.ReactNativeWebView) return g.ReactNativeWebView;
  if (g.webkit?.messageHandlers?.splitflow) return g.webkit.messageHandlers.splitflow; // WKWebView / Capacitor iOS
  if (globalThis.parent && globalThis.parent !== globalThis) return { postMessage: (m) => globalThis.parent.postMessage(m, '*') };
  return undefined;
}

export function send(message: PageMessage): void {
  target()?.postMessage(JSON.stringify(message));
}

/** Calls `handle` for every well-formed host message; anything else is answered with an error message. */
export function listen(handle: (message: HostMessage) => void): void {
  const onMessage = (event: Event) => {
    const data = (event as MessageEvent).data;
    let message: HostMessage;
    try {
      message = (typeof data === 'string' ? JSON.parse(data) : data) as HostMessage;
      if (!message || (message.type !== 'configure' && message.type !== 'infer')) throw new Error(`unknown message type ${String(message?.type)}`);
    } catch (error) {
      send({ type: 'error', code: 'INVALID_REQUEST', message: `bad host message: ${(error as Error).message}` });
      return;
    }
    handle(message);
  };
  globalThis.addEventListener('message', onMessage);
  document.addEventListener('message', onMessage);
}
