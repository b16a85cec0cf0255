// One driver layer over the three browser engines the users have, so a browser test is written once:
// Chromium (Playwright, CDP), Firefox ESR (puppeteer-core, WebDriver BiDi) and WebKitGTK (selenium-webdriver,
// classic W3C WebDriver). Each engine is Debian's package (scripts/ensure-browsers.sh installs them).

export const ENGINE_NAMES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface PageOptions {
  /**
   * JavaScript source run in every document before the page's own scripts. Engines whose driver cannot
   * (classic WebDriver) say so in `Engine.can.initScript`; asking anyway throws.
   */
  initScript?: string;
  viewport?: { width: number; height: number };
}

export interface LaunchOptions {
  /**
   * Turns on the engine's WebGPU where it ships off (Chromium's --enable-unsafe-webgpu, Firefox's
   * dom.webgpu.enabled, WebKit's WebGPU feature): whether an adapter then comes is the engine's answer.
   */
  webgpu?: boolean;
  /**
   * Lets a file: page read other file: URLs, as a WebView host does with Android's
   * setAllowFileAccessFromFileURLs or WebKit's allow-file-access-from-file-urls.
   */
  fileAccess?: boolean;
  /**
   * Limits the storage the whole browser profile may use, for engines whose quota is set at launch
   * (`Engine.can.launchQuota`: Firefox's dom.quotaManager.temporaryStorage.fixedLimit).
   */
  storageQuotaBytes?: number;
}

/** A file the browser saved. */
export interface SavedDownload {
  name: string;
  text: string;
}

export interface EnginePage {
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the page (its source is sent, so it may use only its argument and the page's
   * globals) and resolves with its JSON-serialisable result; a throw in the page rejects here.
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Polls `fn(arg)` in the page until it returns a truthy value; rejects after `timeoutMs`. */
  waitFor<A = undefined>(fn: (arg: A) => unknown, arg?: A, timeoutMs?: number): Promise<void>;
  /**
   * Runs `fn(arg)` in the page, which must start a download, and resolves with the file the browser
   * saved (Playwright's download event; else the file appearing in the browser's download folder).
   */
  download<A = undefined>(fn: (arg: A) => unknown, arg?: A, timeoutMs?: number): Promise<SavedDownload>;
  /** Cuts the page's network (where `Engine.can.offline`). */
  setOffline(offline: boolean): Promise<void>;
  /** Sets the storage quota of `origin` (where `Engine.can.storageQuota`), as a full disk or a strict WebView would. */
  setStorageQuota(origin: string, bytes: number): Promise<void>;
  /** Errors the page threw and did not handle (where `Engine.can.pageErrors`; else always empty). */
  pageErrors(): string[];
  close(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** Browser name and version as the driver reports it. */
  version: string;
  /** What this engine's driver can do to a page (not what the engine supports: the tests measure that). */
  can: { initScript: boolean; offline: boolean; pageErrors: boolean; storageQuota: boolean; launchQuota: boolean };
  newPage(options?: PageOptions): Promise<EnginePage>;
  close(): Promise<void>;
}

/** Shared by the drivers: poll a page predicate, waiting between tries. */
export async function pollPage(check: () => Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class DriverCannot extends Error {
  constructor(engine: EngineName, what: string) {
    super(`the ${engine} driver cannot ${what}`);
    this.name = 'DriverCannot';
  }
}
