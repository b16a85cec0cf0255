import { resolve } from 'node:path';
import { type Connect, defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { createModelsHandler } from './scripts/serve-models.js';

// Builds and serves apps/field, the field-test PWA. Pages are served cross-origin isolated (COOP/COEP),
// so onnxruntime-web's wasm backend runs with threads; /models/ serves the built catalog, and /v2 is
// proxied to the broker so the app calls the cloud on its own origin.
const root = resolve(import.meta.dirname, 'apps/field');
const modelsDir = resolve(import.meta.dirname, 'models');
const brokerUrl = process.env.SPLITFLOW_BROKER_URL ?? 'http://127.0.0.1:8080';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Serves models/catalog.json and models/build/** under /models/, in dev and in preview. */
function serveModels(): Plugin {
  const handler: Connect.NextHandleFunction = createModelsHandler(modelsDir, isolation);
  return {
    name: 'splitflow-models',
    configureServer: (server) => void server.middlewares.use(handler),
    configurePreviewServer: (server) => void server.middlewares.use(handler),
  };
}

export default defineConfig({
  root,
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  server: { headers: isolation, proxy: { '/v2': brokerUrl } },
  preview: { headers: isolation, proxy: { '/v2': brokerUrl } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: { outDir: resolve(root, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  plugins: [
    serveModels(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: 'Splitflow field test',
        short_name: 'Splitflow',
        description: 'Runs models on this device and in the cloud, and records which route was faster.',
        theme_color: '#0f172a',
        background_color: '#0f172a',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell, the runtimes' wasm included, is precached so the app opens and runs offline.
        // The first visit's page is controlled as soon as the worker activates (later updates still wait
        // for the person's consent through the update prompt: no skipWaiting).
        clientsClaim: true,
        globPatterns: ['**/*.{js,mjs,css,html,wasm,png,webmanifest}'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        navigateFallbackDenylist: [/^\/v2\//, /^\/models\//],
        runtimeCaching: [
          {
            // Model files are verified (size + SHA-256) and cached by the SDK itself; the service worker
            // keeps only the catalog, so the app can start offline.
            urlPattern: ({ url }) => url.pathname === '/models/catalog.json',
            handler: 'NetworkFirst',
            options: { cacheName: 'splitflow-catalog', networkTimeoutSeconds: 3 },
          },
        ],
      },
    }),
  ],
});
