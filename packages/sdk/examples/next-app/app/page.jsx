'use client';
import { createClient, isSplitflowError } from '@splitflow/sdk';
import { useEffect, useState } from 'react';

// The SDK runs in the browser only: create the client in an effect, never during prerendering.
export default function Page() {
  const [result, setResult] = useState({ state: 'running', text: '' });
  useEffect(() => {
    let client;
    let unmounted = false;
    (async () => {
      client = await createClient({ catalog: '/models/catalog.json' });
      if (unmounted) return client.dispose();
      // `tiny` on this device, in the SDK's Worker.
      const features = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
      const { outputs, route } = await client.infer('tiny', { features: { datatype: 'FP32', shape: [1, 64], data: features } }, { mode: 'local-only' });
      const summary = { where: route.where, backend: route.backend, thread: route.thread, logits: Array.from(outputs.logits.data) };
      setResult({ state: 'done', text: JSON.stringify(summary) });
    })().catch((error) => setResult({ state: 'failed', text: isSplitflowError(error) ? `${error.code}: ${error.message}` : String(error) }));
    return () => {
      unmounted = true;
      void client?.dispose();
    };
  }, []);
  return (
    <pre id="app" data-state={result.state}>
      {result.text}
    </pre>
  );
}
