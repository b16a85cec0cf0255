import { createClient, type InferResult, isSplitflowError } from '@splitflow/sdk';

const out = document.querySelector<HTMLPreElement>('#app')!;

function summary({ outputs, route }: InferResult) {
  const logits = Array.from(outputs.logits!.data as Float32Array);
  return { where: route.where, backend: route.backend, pool: route.pool, reason: route.reason, logits };
}

async function main() {
  const client = await createClient({
    catalog: '/models/catalog.json', // model files resolve against its folder
    broker: import.meta.env.VITE_SPLITFLOW_BROKER, // optional: without it everything runs locally
  });
  client.on('progress', (p) => {
    out.textContent = `${p.file}: ${p.loaded} of ${p.total} bytes`;
  });

  // `tiny` on this device, in the SDK's Worker.
  const features = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const local = await client.infer('tiny', { features: { datatype: 'FP32', shape: [1, 64], data: features } }, { mode: 'local-only' });

  // `vision-s` through the broker.
  const image = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => (i % 251) / 251);
  const cloud = await client.infer('vision-s', { image: { datatype: 'FP32', shape: [1, 3, 224, 224], data: image } }, { mode: 'cloud-only' });

  out.textContent = JSON.stringify({ local: summary(local), cloud: summary(cloud) });
  out.dataset.state = 'done';
}

main().catch((error: unknown) => {
  out.textContent = isSplitflowError(error) ? `${error.code}: ${error.message}` : String(error);
  out.dataset.state = 'failed';
});
