import puppeteer, { type Browser } from 'puppeteer-core';
import { createDownloadDir } from './download-dir.js';
import { DriverCannot, type Engine, type EnginePage, type LaunchOptions, type PageOptions, pollPage } from './engine.js';

/** Debian's Firefox ESR, headless, through puppeteer-core over WebDriver BiDi; each page in its own user context. */
export async function launchFirefox(launch: LaunchOptions = {}): Promise<Engine> {
  const downloads = createDownloadDir();
  const browser: Browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    // Quiet background traffic that would otherwise race the tests' network expectations.
    extraPrefsFirefox: {
      'browser.safebrowsing.update.enabled': false,
      'app.update.enabled': false,
      'network.captive-portal-service.enabled': false,
      // Downloads go to the test's folder without asking.
      'browser.download.folderList': 2,
      'browser.download.dir': downloads.path,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      ...(launch.webgpu ? { 'dom.webgpu.enabled': true } : {}),
      ...(launch.fileAccess ? { 'security.fileuri.strict_origin_policy': false } : {}),
      // The quota manager's limit for all temporary storage (Cache API included), in KiB.
      ...(launch.storageQuotaBytes ? { 'dom.quotaManager.temporaryStorage.fixedLimit': Math.max(1, Math.ceil(launch.storageQuotaBytes / 1024)) } : {}),
    },
  });
  return {
    name: 'firefox',
    version: await browser.version(),
    can: { initScript: true, offline: true, pageErrors: true, storageQuota: false, launchQuota: true },
    async newPage(options: PageOptions = {}): Promise<EnginePage> {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      if (options.viewport) await page.setViewport(options.viewport);
      if (options.initScript) await page.evaluateOnNewDocument(options.initScript);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push((e as Error).message ?? String(e)));
      return {
        goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate(fn as (arg: unknown) => R, arg) as Promise<R>,
        waitFor: <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs = 60_000) =>
          pollPage(() => page.evaluate(fn as (arg: unknown) => unknown, arg), timeoutMs, fn.toString().slice(0, 120)),
        download: <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs?: number) =>
          downloads.waitForNew(() => page.evaluate(fn as (arg: unknown) => unknown, arg), timeoutMs),
        setOffline: (offline) => page.setOfflineMode(offline),
        // Firefox's quota is a profile-wide preference set at launch (LaunchOptions.storageQuotaBytes), not per origin.
        setStorageQuota: () => Promise.reject(new DriverCannot('firefox', 'set the storage quota of one origin (launch with storageQuotaBytes)')),
        pageErrors: () => [...errors],
        close: () => context.close(),
      };
    },
    async close() {
      await browser.close();
      downloads.remove();
    },
  };
}
