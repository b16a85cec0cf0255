import { defineConfig } from 'vite';

// Cross-origin isolation: onnxruntime-web's wasm backend needs SharedArrayBuffer for threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // ES module Workers: the SDK's runtime Worker imports onnxruntime-web and tfjs lazily, as separate
  // chunks. Vite's default ('iife') would inline both into one multi-megabyte Worker file.
  worker: { format: 'es' },
  // In `vite dev`, pre-bundling would move onnxruntime-web away from its .wasm files.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: isolation },
  preview: { headers: isolation },
});
