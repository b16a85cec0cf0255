import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '@splitflow/test-fixtures/free-port';
import { Builder, type WebDriver } from 'selenium-webdriver';
import { createDownloadDir } from './download-dir.js';
import { DriverCannot, type Engine, type EnginePage, type LaunchOptions, type PageOptions, pollPage } from './engine.js';
import { startXvfb, stop } from './xvfb.js';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

async function startDriver(display: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // The process locale is C, as on servers and containers: the engine must cope with it. MiniBrowser
  // saves downloads into its home folder (no XDG download folder configured).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DISPLAY: display, LC_ALL: 'C', LANG: 'C' };
  const child = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`WebKitWebDriver exited with ${code}: ${stderr}`))));
  const ready = pollPage(
    () =>
      fetch(`${url}/status`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
    'WebKitWebDriver /status',
  );
  await Promise.race([ready, exited]);
  return { child, url };
}

// Classic WebDriver runs scripts as function bodies with `arguments`; this wraps a page function so
// that its result or its error comes back through the async callback.
const ASYNC_WRAPPER = `const [fnSource, arg, done] = arguments;
Promise.resolve().then(() => (0, eval)('(' + fnSource + ')')(arg)).then(
  (value) => done({ ok: true, value: value === undefined ? null : value }),
  (error) => done({ ok: false, error: String((error && error.stack) || error) }));`;

/** WebKitGTK's MiniBrowser through WebKitWebDriver (classic W3C WebDriver) under Xvfb; one browser session per page. */
export async function launchWebKit(launch: LaunchOptions = {}): Promise<Engine> {
  const xvfb = await startXvfb();
  const downloads = createDownloadDir();
  let driver: { child: ChildProcess; url: string };
  try {
    driver = await startDriver(xvfb.display, downloads.path);
  } catch (error) {
    await stop(xvfb.child);
    downloads.remove();
    throw error;
  }
  const args = ['--automation', ...(launch.webgpu ? ['--features=+WebGPU'] : []), ...(launch.fileAccess ? ['--allow-file-access-from-file-urls=true'] : [])];
  const sessions = new Set<WebDriver>();
  const open = () =>
    new Builder()
      .usingServer(driver.url)
      .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args } })
      .build();
  const probe = await open();
  const caps = await probe.getCapabilities();
  const version = `webkitgtk/${caps.getBrowserVersion() ?? 'unknown'}`;
  await probe.quit();
  return {
    name: 'webkit',
    version,
    can: { initScript: false, offline: false, pageErrors: false, storageQuota: false, launchQuota: false },
    async newPage(options: PageOptions = {}): Promise<EnginePage> {
      if (options.initScript) throw new DriverCannot('webkit', 'run a script before the page (classic WebDriver has no preload scripts)');
      const session = await open();
      sessions.add(session);
      await session.manage().setTimeouts({ script: 180_000, pageLoad: 120_000 });
      if (options.viewport) await session.manage().window().setRect(options.viewport);
      const evaluate = async <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> => {
        const out = (await session.executeAsyncScript(ASYNC_WRAPPER, fn.toString(), arg ?? null)) as { ok: boolean; value?: R; error?: string };
        if (!out.ok) throw new Error(`in the page: ${out.error}`);
        return out.value as R;
      };
      return {
        goto: (url) => session.get(url),
        evaluate,
        waitFor: <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs = 60_000) => pollPage(() => evaluate(fn, arg), timeoutMs, fn.toString().slice(0, 120)),
        download: <A>(fn: (arg: A) => unknown, arg?: A, timeoutMs?: number) => downloads.waitForNew(() => evaluate(fn, arg), timeoutMs),
        setOffline: () => Promise.reject(new DriverCannot('webkit', 'cut the network (classic WebDriver has no network emulation)')),
        setStorageQuota: () => Promise.reject(new DriverCannot('webkit', 'set a storage quota (classic WebDriver has no storage control)')),
        pageErrors: () => [],
        close: async () => {
          sessions.delete(session);
          await session.quit().catch(() => {});
        },
      };
    },
    async close() {
      for (const session of sessions) await session.quit().catch(() => {});
      await stop(driver.child);
      await stop(xvfb.child);
      downloads.remove();
    },
  };
}
