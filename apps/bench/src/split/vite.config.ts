import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { isolation, testFiles } from '../../../../packages/sdk/browser/serve-test-files.js';

// Builds the split benchmark's page (a production bundle, as an app ships it) and previews it
// cross-origin isolated (wasm threads), with the SDK test page's routes: /ort/, /models/ and
// /cloud/<port>/, a proxy to the shaped link on that port.
const repo = resolve(import.meta.dirname, '../../../..');
export default defineConfig({
  root: resolve(import.meta.dirname, 'page'),
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  preview: { headers: isolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { outDir: resolve(repo, 'apps/bench/dist/split-page'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  plugins: [testFiles()],
});
