import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { testFiles } from '../../packages/sdk/browser/serve-test-files.js';

// Serves the WebView example as a WebView host would load it: no COOP/COEP on the page, so it is not
// cross-origin isolated. /models/, /ort/ and /cloud/<port>/ come from the SDK test server's plugin.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  server: { fs: { allow: [resolve(import.meta.dirname, '../..')] } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  plugins: [testFiles()],
});
