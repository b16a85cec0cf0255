import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { isolation, testFiles } from './serve-test-files.js';

// Serves the SDK's browser test page from source, cross-origin isolated; see serve-test-files.ts.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  server: { headers: isolation, fs: { allow: [resolve(import.meta.dirname, '../../..')] } },
  // onnxruntime-web finds its wasm relative to its own module; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  plugins: [testFiles()],
});
