import { recordCompat } from './engines/compat-matrix.js';
import type { Engine, EnginePage } from './engines/engine.js';
import { test as base, expect } from './engines/engine-test.js';
import { startFront } from './front.js';
import { useE2EStack } from './shared-stack.js';
import type { E2EStack } from './stack.js';

// The field app in Chromium, Firefox ESR and WebKitGTK against a real worker and broker, written once
// against the driver layer (e2e/engines). What a driver cannot do to the network (classic WebDriver has
// no offline switch and no request interception) a server in front of the app does (front.ts), the
// same way in every engine.
const test = base.extend<Record<never, never>, { stack: E2EStack }>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const stack = await useE2EStack();
      await use(stack);
      await stack.close();
    },
    { scope: 'worker', timeout: 180_000 },
  ],
});
test.describe.configure({ mode: 'serial' });

interface RunView {
  ran: string;
  why: string;
  fallback: string;
  error: string;
  outputs: number[];
}

/** Picks a model, a seed and a mode on the Run page, clicks, and waits for the buttons to come back. */
const runInApp = (args: { model: string; mode: string; seed: number }) =>
  new Promise<RunView>((resolve) => {
    const q = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement & { value: string; disabled: boolean };
    const select = q('model');
    select.value = args.model;
    select.dispatchEvent(new Event('change'));
    q('seed').value = String(args.seed);
    q(`run-${args.mode}`).click();
    const cell = (key: string) => document.querySelector(`[data-testid=route-table] tr[data-key="${key}"] td`)?.textContent ?? '';
    const timer = setInterval(() => {
      if (q('run-auto').disabled) return;
      clearInterval(timer);
      resolve({
        ran: cell('ran'),
        why: cell('why'),
        fallback: cell('fallback'),
        error: document.querySelector('[data-testid=run-error]')?.textContent ?? '',
        outputs: JSON.parse(document.querySelector('[data-testid=outputs-json]')?.textContent ?? '[]'),
      });
    }, 50);
  });

async function openApp(engine: Engine, stack: E2EStack, hash: string, initScript?: string): Promise<EnginePage> {
  const page = await engine.newPage(initScript ? { initScript } : {});
  await page.goto(`${stack.appUrl}${hash}`);
  return page;
}

const runPageReady = () => document.querySelector('[data-testid=run-auto]') !== null || document.querySelector('[data-testid=startup-error]') !== null;

test('the app starts, and its Device page reports what the engine has', async ({ engine, stack }) => {
  // WebKitGTK runs under the process locale C (see engines/webkit.ts).
  const page = await openApp(engine, stack, '#/device');
  await page.waitFor(() => document.querySelector('[data-testid=device-table]') !== null || document.querySelector('[data-testid=startup-error]') !== null);
  const seen = await page.evaluate(() => ({
    error: document.querySelector('[data-testid=startup-error]')?.textContent ?? '',
    rows: Object.fromEntries(
      [...document.querySelectorAll('[data-testid=device-table] tr')].map((tr) => [tr.getAttribute('data-key'), tr.querySelector('td')?.textContent]),
    ),
    threads: globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
    gpu: 'gpu' in navigator,
  }));
  expect(seen.error).toBe('');
  expect(seen.rows['wasm']).toBe('yes');
  expect(seen.rows['wasm threads']).toBe(seen.threads ? 'yes' : 'no');
  if (!seen.gpu) expect(seen.rows['WebGPU']).toBe('no: navigator.gpu is absent');
  expect(Number(seen.rows['GFLOPS (micro-benchmark)'])).toBeGreaterThan(0);
  expect(page.pageErrors()).toEqual([]);
  await page.close();
});

test('under a locale Intl cannot read (C), a local and a cloud run of tiny agree, and with the broker stopped local runs go on while cloud runs fail clearly', async ({
  engine,
  stack,
}) => {
  // Where the driver can run a script before the page, the page is told its language is "C", as WebKit
  // reports it under a C process locale on some systems; WebKitGTK here runs under LC_ALL=C itself.
  const initScript = engine.can.initScript ? `Object.defineProperty(Navigator.prototype, 'language', { get: () => 'C', configurable: true });` : undefined;
  const page = await openApp(engine, stack, '#/run', initScript);
  await page.waitFor(runPageReady);
  if (initScript) expect(await page.evaluate(() => Object.getOwnPropertyDescriptor(Navigator.prototype, 'language')?.get?.call(navigator))).toBe('C');
  const local = await page.evaluate(runInApp, { model: 'tiny', mode: 'local', seed: 7 });
  const cloud = await page.evaluate(runInApp, { model: 'tiny', mode: 'cloud', seed: 7 });
  const worst = Math.max(...local.outputs.map((v, i) => Math.abs(v - (cloud.outputs[i] as number))));
  recordCompat(engine.name, { fieldApp: local.ran === 'local' && cloud.ran === 'cloud' && worst < 1e-4 ? 'yes' : `no: ${local.error || cloud.error}` });
  expect(local).toMatchObject({ ran: 'local', error: '' });
  expect(cloud).toMatchObject({ ran: 'cloud', error: '' });
  expect(local.outputs.length).toBeGreaterThan(0);
  expect(worst).toBeLessThan(1e-4);
  // The latency chart (uPlot builds an Intl.NumberFormat from navigator.language as it loads) is there.
  expect(await page.evaluate(() => document.querySelector('[data-testid=chart] .uplot') !== null)).toBe(true);

  await stack.stopBroker();
  try {
    // Auto's fallback depends on the measured device speed; the SDK suite tests it with a fixed policy.
    const down = await page.evaluate(runInApp, { model: 'tiny', mode: 'cloud', seed: 2 });
    expect(down.error).toMatch(/^(UPSTREAM_FAILED|NETWORK|UNAVAILABLE)/);
    const still = await page.evaluate(runInApp, { model: 'tiny', mode: 'local', seed: 2 });
    expect(still).toMatchObject({ ran: 'local', error: '' });
  } finally {
    await stack.startBroker();
  }
  expect(page.pageErrors()).toEqual([]);
  await page.close();
});

test('an exception during start-up shows a readable error, never an empty page', async ({ engine, stack }) => {
  // An engine whose Intl lacks NumberFormat: the charting library throws as it loads. The front runs the
  // break before the app's scripts in every engine, WebKit's classic WebDriver (no preload scripts) included.
  const front = await startFront(stack.appUrl, {
    headScript: 'Intl.NumberFormat = function () { throw new RangeError("NumberFormat is not supported here"); };',
  });
  const page = await engine.newPage();
  try {
    await page.goto(`${front.url}#/run`);
    await page.waitFor(runPageReady);
    const error = await page.evaluate(() => document.querySelector('[data-testid=startup-error]')?.textContent ?? '');
    expect(error).toContain('could not start');
    expect(error).toContain('RangeError: NumberFormat is not supported here');
  } finally {
    await page.close();
    await front.close();
  }
});

test('as a WebView loads it (no COOP/COEP, another origin), the app says it is not isolated and runs wasm without threads', async ({ engine, stack }) => {
  const front = await startFront(stack.appUrl, { localhost: true, dropIsolation: true });
  const page = await engine.newPage();
  try {
    await page.goto(`${front.url}#/device`);
    await page.waitFor(() => document.querySelector('[data-testid=device-table]') !== null || document.querySelector('[data-testid=startup-error]') !== null);
    const rows = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid=device-table] tr')].map((tr) => [tr.getAttribute('data-key'), tr.querySelector('td')?.textContent]),
      ),
    );
    expect(rows['cross-origin isolated']).toBe('no');
    expect(rows['wasm threads']).toBe('no');
    await page.evaluate(() => {
      location.hash = '#/run';
    });
    await page.waitFor(runPageReady);
    const local = await page.evaluate(runInApp, { model: 'tiny', mode: 'local', seed: 4 });
    expect(local).toMatchObject({ ran: 'local', error: '' });
  } finally {
    await page.close();
    await front.close();
  }
});

test('through a front that corrupts one model and then goes away: MODEL_INTEGRITY for the tampered model, the session export saved as a file, then the service worker serves the app with the origin unreachable', async ({
  engine,
  stack,
}) => {
  // One page for the three flows: the app, its runtime and the service worker load once.
  const front = await startFront(stack.appUrl, { tamper: (path) => path.startsWith('/models/ocr-cls/') });
  const page = await engine.newPage();
  try {
    await page.goto(`${front.url}#/run`);
    await page.waitFor(runPageReady);
    // The first visit installs the service worker, which precaches the shell and claims the page.
    await page.waitFor(() => navigator.serviceWorker?.controller != null, undefined, 90_000);
    await page.waitFor(async () => (await caches.match('/models/catalog.json')) !== undefined, undefined, 30_000);

    const local = await page.evaluate(runInApp, { model: 'tiny', mode: 'local', seed: 11 });
    const cloud = await page.evaluate(runInApp, { model: 'tiny', mode: 'cloud', seed: 12 });
    expect(local).toMatchObject({ ran: 'local', error: '' });
    expect(cloud).toMatchObject({ ran: 'cloud', error: '' });

    // A bad proxy flipped one byte of ocr-cls on its way: the SDK refuses it, and the page says so.
    const tampered = await page.evaluate(runInApp, { model: 'ocr-cls', mode: 'local', seed: 1 });
    expect(front.tampered).toContain('/models/ocr-cls/model.onnx');
    recordCompat(engine.name, {
      integrity: tampered.error.startsWith('MODEL_INTEGRITY') ? 'yes: MODEL_INTEGRITY, shown on the page' : `no: ${tampered.error}`,
    });
    expect(tampered.error).toContain('MODEL_INTEGRITY');
    expect(tampered.error).toMatch(/SHA-256|sha256/i);

    // The session export, as the browser saved it.
    await page.evaluate(() => {
      location.hash = '#/session';
    });
    await page.waitFor(() => document.querySelectorAll('[data-testid=session-table] tr[data-seq]').length === 3);
    const saved = await page.download(() => (document.querySelector('[data-testid=export-json]') as HTMLElement).click());
    const doc = JSON.parse(saved.text) as { format: string; runs: { model: string; mode: string; where: string; ok: boolean }[] };
    const runs = doc.runs.map((r) => [r.model, r.mode, r.ok]);
    recordCompat(engine.name, {
      download: doc.format === 'splitflow-field-session/1' && runs.length === 3 ? 'yes: saved by the browser as a .json file' : 'no',
    });
    expect(saved.name).toMatch(/\.json$/);
    expect(doc.format).toBe('splitflow-field-session/1');
    expect(runs).toEqual([
      ['tiny', 'local', true],
      ['tiny', 'cloud', true],
      ['ocr-cls', 'local', false],
    ]);

    // The origin goes away (every driver can have that done to it): a new navigation is served by the
    // service worker, the model by the SDK's cache, and the cloud fails with a code.
    await front.close();
    await expect(fetch(front.url)).rejects.toThrow();
    await page.goto(`${front.url}?unreachable#/run`);
    await page.waitFor(runPageReady);
    const after = await page.evaluate(() => ({
      startupError: document.querySelector('[data-testid=startup-error]')?.textContent ?? '',
      controlled: navigator.serviceWorker?.controller != null,
      isolated: globalThis.crossOriginIsolated === true,
    }));
    expect(after).toMatchObject({ startupError: '', controlled: true });
    const stillLocal = await page.evaluate(runInApp, { model: 'tiny', mode: 'local', seed: 3 });
    const noCloud = await page.evaluate(runInApp, { model: 'tiny', mode: 'cloud', seed: 3 });
    recordCompat(engine.name, {
      serviceWorkerOffline:
        stillLocal.ran === 'local' && noCloud.error !== ''
          ? `yes: app from the service worker${after.isolated ? ' (still isolated)' : ', not isolated'}, local run, cloud fails with ${noCloud.error.split(':')[0]}`
          : `no: ${stillLocal.error || 'cloud did not fail'}`,
    });
    expect(stillLocal).toMatchObject({ ran: 'local', error: '' });
    expect(noCloud.error).toMatch(/^(NETWORK|UPSTREAM_FAILED|UNAVAILABLE|OFFLINE)/);

    if (engine.can.offline) {
      // Where the driver can also say the device is offline, the page shows it and the cloud is not tried.
      await page.setOffline(true);
      await page.waitFor(() => document.getElementById('net')?.textContent?.includes('offline'));
      const offline = await page.evaluate(runInApp, { model: 'tiny', mode: 'cloud', seed: 5 });
      expect(offline.error).toMatch(/^(OFFLINE|NETWORK)/);
      await page.setOffline(false);
    }
    expect(page.pageErrors()).toEqual([]);
  } finally {
    await page.close();
    await front.close();
  }
});
