import { readFile } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';
import { type Engine, type EnginePage, type LaunchOptions, type PageOptions, pollPage } from './engine.js';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium through Playwright (CDP); each page gets its own context (storage, offline state). */
export async function launchChromium(launch: LaunchOptions = {}): Promise<Engine> {
  const args = [...CHROMIUM_ARGS, ...(launch.webgpu ? ['--enable-unsafe-webgpu'] : []), ...(launch.fileAccess ? ['--allow-file-access-from-files'] : [])];
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
  return {
    name: 'chromium',
    version: `chromium/${browser.version()}`,
    can: { initScript: true, offline: true, pageErrors: true, storageQuota: true, launchQuota: false },
    async newPage(options: PageOptions = {}): Promise<EnginePage> {
      const context = await browser.newContext({ acceptDownloads: true, ...(options.viewport ? { viewport: options.viewport } : {}) });
      if (options.initScript) await context.addInitScript({ content: options.initScript });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      return {
        goto: async (url) => void (await page.goto(url)),
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate(fn as (arg: unknown) => R, arg) as Promise<R>,
        waitFor: <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs = 60_000) =>
          pollPage(() => page.evaluate(fn as (arg: unknown) => unknown, arg), timeoutMs, fn.toString().slice(0, 120)),
        download: async <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs = 30_000) => {
          const [download] = await Promise.all([page.waitForEvent('download', { timeout: timeoutMs }), page.evaluate(fn as (arg: unknown) => unknown, arg)]);
          const path = await download.path();
          return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
        },
        setOffline: (offline) => context.setOffline(offline),
        setStorageQuota: async (origin, bytes) => {
          const cdp = await context.newCDPSession(page);
          await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: bytes });
        },
        pageErrors: () => [...errors],
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
