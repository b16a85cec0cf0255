import { defineConfig } from '@playwright/test';
import { ENGINE_NAMES, type EngineName } from './e2e/engines/engine.js';

// Browser tests in Debian's browsers (never `npx playwright install`). Projects: `sdk` (packages/sdk/browser),
// `consumer` (the packed packages in a new Vite app) and `e2e` (the field app end to end, e2e/) in Chromium through
// Playwright; `chromium`, `firefox` and `webkit` run the cross-engine suites (*.engines.ts, written once against
// e2e/engines) in Chromium, Firefox ESR and WebKitGTK; `webview-host` runs the WebView example in a native
// WebKitGTK host.
const SDK_PORT = Number(process.env.SPLITFLOW_SDK_TEST_PORT ?? 5174);

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  reporter: 'list',
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  projects: [
    {
      // The field app end to end: the suite starts its own worker, broker and app (e2e/stack.ts).
      name: 'e2e',
      testDir: 'e2e',
      testMatch: '**/*.spec.ts',
      timeout: 180_000,
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }, acceptDownloads: true },
    },
    {
      // The packed packages in a new Vite app outside the repository (packages/sdk/consumer).
      name: 'consumer',
      testDir: 'packages/sdk/consumer',
      testMatch: '**/*.spec.ts',
      timeout: 180_000,
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS } },
    },
    {
      name: 'sdk',
      testDir: 'packages/sdk/browser',
      testMatch: '**/*.spec.ts',
      use: {
        browserName: 'chromium',
        baseURL: `http://127.0.0.1:${SDK_PORT}`,
        launchOptions: { executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] },
      },
    },
    {
      // examples/webview in a native WebView host on WebKitGTK (examples/webview/host): custom scheme,
      // webkit.messageHandlers bridge, storage quota, no network. It starts its own Xvfb and host.
      name: 'webview-host',
      testDir: 'e2e',
      testMatch: '**/*.host.ts',
      timeout: 180_000,
    },
    ...ENGINE_NAMES.map((engineName) => ({
      name: engineName,
      testDir: '.',
      testMatch: ['packages/sdk/browser/**/*.engines.ts', 'e2e/**/*.engines.ts'],
      timeout: 180_000,
      use: { engineName: engineName as EngineName, baseURL: `http://127.0.0.1:${SDK_PORT}` },
    })),
  ],
  globalSetup: ['./e2e/engines/name-run.ts', './e2e/engines/share-stack.ts'],
  globalTeardown: './e2e/engines/write-matrix.ts',
  webServer: [
    {
      command: `npx vite --config packages/sdk/browser/vite.config.ts --host 127.0.0.1 --port ${SDK_PORT} --strictPort`,
      url: `http://127.0.0.1:${SDK_PORT}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
