import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { isolation, testFiles } from '../../../../packages/sdk/browser/serve-test-files.js';

// Builds the SDK benchmark page (production bundle, so cold-start figures are an app's, not a dev
// server's) and previews it cross-origin isolated with the SDK test page's file routes.
const repo = resolve(import.meta.dirname, '../../../..');
export default defineConfig({
  root: resolve(import.meta.dirname, 'page'),
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  preview: { headers: isolation },
  server: { headers: isolation, fs: { allow: [repo] } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { outDir: resolve(repo, 'apps/bench/dist/sdk-page'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  plugins: [testFiles()],
});
