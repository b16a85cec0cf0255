import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NamedTensor } from '@splitflow/contract';
import type { InferOptions, LocalBackend } from '@splitflow/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import type { PageRun } from './page/split-page.js';

/** A device of the split bench that is a real Chromium page running the SDK. */
export interface BrowserDeviceSpec {
  backends?: LocalBackend[];
  numThreads?: number;
  /** False: the runtime runs on the page's main thread (CDP CPU throttling reaches it there, not in Workers). */
  worker: boolean;
  /** Chromium's --enable-unsafe-webgpu: SwiftShader's software adapter on this machine. */
  webgpu?: boolean;
  /** CDP Emulation.setCPUThrottlingRate: the page's main thread runs this many times slower. */
  cpuThrottle?: number;
}

export interface BrowserDevice {
  /** A fresh SDK client in the page whose cloud is `target` (an http://127.0.0.1:<port> the Node side listens on). */
  createClient(target: string): Promise<void>;
  setInputs(model: string, tensors: NamedTensor[]): Promise<void>;
  infer(model: string, options: InferOptions, keepOutputs: boolean): Promise<PageRun>;
  /** What the page reports of itself (cross-origin isolation, the Chromium version). */
  describe(): Promise<{ crossOriginIsolated: boolean; browser: string }>;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CONFIG = resolve(import.meta.dirname, 'vite.config.ts');

/** Builds the page into a folder of its own (devices run side by side), previews it, opens it in Chromium. */
export async function startBrowserDevice(spec: BrowserDeviceSpec): Promise<BrowserDevice> {
  const outDir = mkdtempSync(join(tmpdir(), 'splitflow-split-page-'));
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({
    configFile: CONFIG,
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
  });
  const url = server.resolvedUrls?.local[0] as string;
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...(spec.webgpu ? ['--enable-unsafe-webgpu'] : [])],
    headless: true,
  });
  const page: Page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[split-page]', e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.splitBenchReady === true);
  if (spec.cpuThrottle) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: spec.cpuThrottle });
  }
  return {
    async createClient(target) {
      // The page calls its cloud on its own origin; the page server forwards to the target's port.
      const broker = `${url}cloud/${new URL(target).port}`;
      await page.evaluate((o) => window.splitBench.create(o), {
        broker,
        worker: spec.worker,
        ...(spec.backends ? { backends: spec.backends } : {}),
        ...(spec.numThreads ? { numThreads: spec.numThreads } : {}),
      });
    },
    async setInputs(model, tensors) {
      const plain = tensors.map((t) => ({ name: t.name, shape: [...t.shape], data: Array.from(t.data as Float32Array) }));
      await page.evaluate(([m, t]) => window.splitBench.setInputs(m as string, t as typeof plain), [model, plain] as const);
    },
    infer: (model, options, keepOutputs) => page.evaluate(([m, o, k]) => window.splitBench.infer(m, o, k), [model, options, keepOutputs] as const),
    describe: async () => ({
      crossOriginIsolated: await page.evaluate(() => window.splitBench.crossOriginIsolated()),
      browser: `Chromium ${browser.version()}`,
    }),
    async close() {
      await page.evaluate(() => window.splitBench.dispose()).catch(() => undefined);
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
