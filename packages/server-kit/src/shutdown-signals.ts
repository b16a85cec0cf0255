/** What `onShutdownSignal` listens on: `process`, or a stand-in in tests. */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * Calls `stop` once, on the first SIGTERM or SIGINT. Later signals are taken and ignored, so a second
 * Ctrl-C does not cut a drain short. Returns a function that stops listening.
 */
export function onShutdownSignal(stop: (signal: 'SIGTERM' | 'SIGINT') => void, source: SignalSource = process): () => void {
  let stopping = false;
  const listeners = (['SIGTERM', 'SIGINT'] as const).map((signal) => {
    const listener = () => {
      if (stopping) return;
      stopping = true;
      stop(signal);
    };
    source.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}
