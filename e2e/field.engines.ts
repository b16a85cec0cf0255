import { createServer, request, type Server } from 'node:http';
import { recordCompat } from './engines/compat-matrix.js';
import type { Engine, EnginePage } from './engines/engine.js';
import { test as base, expect } from './engines/engine-test.js';
import { type E2EStack, startE2EStack } from './stack.js';

// The field app in Chromium, Firefox ESR and WebKitGTK against a real worker and broker, written once
// against the driver layer (e2e/engines). The Chromium-only flows (service-worker offline, downloads,
// tampered files, phone viewport) are in field.spec.ts.
const test = base.extend<Record<never, never>, { stack: E2EStack }>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const stack = await startE2EStack();
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
  test.skip(!engine.can.initScript, `the ${engine.name} driver cannot break the page before it starts`);
  // An engine whose Intl lacks NumberFormat: the charting library throws as it loads.
  const page = await openApp(engine, stack, '#/run', 'Intl.NumberFormat = function () { throw new RangeError("NumberFormat is not supported here"); };');
  await page.waitFor(runPageReady);
  const error = await page.evaluate(() => document.querySelector('[data-testid=startup-error]')?.textContent ?? '');
  expect(error).toContain('could not start');
  expect(error).toContain('RangeError: NumberFormat is not supported here');
  await page.close();
});

/** A front for the app that drops COOP/COEP, as a WebView serving the app's files would, on http://localhost. */
async function withoutIsolation(appUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = new URL(appUrl);
  const server: Server = createServer((req, res) => {
    const upstream = request({ host: app.hostname, port: app.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test('as a WebView loads it (no COOP/COEP, another origin), the app says it is not isolated and runs wasm without threads', async ({ engine, stack }) => {
  const front = await withoutIsolation(stack.appUrl);
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
