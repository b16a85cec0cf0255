// React Native host for the example page (react-native-webview). Not built in this repository: copy it
// into an app that depends on react and react-native-webview. The page is served by your app's own
// server or bundled; it needs no COOP/COEP, and gets its memory budget from here.
import { useCallback, useRef } from 'react';
import { WebView, type WebViewMessageEvent } from 'react-native-webview';
import type { HostMessage, PageMessage } from '../protocol';

export interface SplitflowWebViewProps {
  /** Where the example page is served, e.g. 'https://app.example.com/splitflow/' */
  pageUrl: string;
  catalog: string;
  broker?: string;
  /** What this app allows a model in the WebView: a 2 GB phone's WebView is killed long before 2 GB. */
  memoryBudgetBytes: number;
  onMessage(message: PageMessage): void;
}

export function SplitflowWebView(props: SplitflowWebViewProps) {
  const ref = useRef<WebView>(null);
  const post = useCallback((message: HostMessage) => ref.current?.postMessage(JSON.stringify(message)), []);
  return (
    <WebView
      ref={ref}
      source={{ uri: props.pageUrl }}
      originWhitelist={['*']}
      javaScriptEnabled
      onLoadEnd={() => post({ type: 'configure', catalog: props.catalog, broker: props.broker, memoryBudgetBytes: props.memoryBudgetBytes })}
      onMessage={(event: WebViewMessageEvent) => props.onMessage(JSON.parse(event.nativeEvent.data) as PageMessage)}
    />
  );
}

/** Ask the page to run a model: `infer(ref, { type: 'infer', id: '1', model: 'tiny' })`. */
export const infer = (webView: WebView | null, message: Extract<HostMessage, { type: 'infer' }>) => webView?.postMessage(JSON.stringify(message));
