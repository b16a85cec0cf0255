import { createClient, isSplitflowError } from '@splitflow/sdk';

const out = document.querySelector('#app');

async function main() {
  const client = await createClient({ catalog: '/models/catalog.json' });
  // `tiny` on this device, in the SDK's Worker.
  const features = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const { outputs, route } = await client.infer('tiny', { features: { datatype: 'FP32', shape: [1, 64], data: features } }, { mode: 'local-only' });
  out.textContent = JSON.stringify({ where: route.where, backend: route.backend, thread: route.thread, logits: Array.from(outputs.logits.data) });
  out.dataset.state = 'done';
}

main().catch((error) => {
  out.textContent = isSplitflowError(error) ? `${error.code}: ${error.message}` : String(error);
  out.dataset.state = 'failed';
});
