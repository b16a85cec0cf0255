import { type Browser, type BrowserContext, type BrowserContextOptions, test as base, expect, type Page } from '@playwright/test';
import { useE2EStack } from './shared-stack.js';
import type { E2EStack } from './stack.js';

// The field app as a person uses it, against real processes: a worker, a broker and the built PWA.
// One stack for the whole file (a worker-scoped fixture); tests run in order and the last one stops the broker.
// The tampered model, the session export and the service worker with the origin unreachable are tested
// once for every engine, Chromium included, in field.engines.ts.
const test = base.extend<{ app: Page }, { stack: E2EStack }>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const stack = await useE2EStack();
      await use(stack);
      await stack.close();
    },
    { scope: 'worker', timeout: 300_000 },
  ],
  app: async ({ page, stack }, use, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(stack.appUrl);
    await use(page);
    await page.screenshot({ path: testInfo.outputPath('final.png'), fullPage: true });
    // No test may leave an unhandled error behind, whatever it provoked on purpose.
    expect(errors, 'unhandled errors in the page').toEqual([]);
  },
});
test.describe.configure({ mode: 'serial' });

async function run(page: Page, model: string, mode: 'auto' | 'local' | 'cloud' | 'split', seed = 1): Promise<void> {
  if (!page.url().includes('#/run')) await page.goto(new URL('#/run', page.url()).href);
  await page.getByTestId('model').selectOption(model);
  await page.getByTestId('seed').fill(String(seed));
  const before = await page.getByTestId('run-status').textContent();
  await page.getByTestId(`run-${mode}`).click();
  await expect(page.getByTestId('run-status')).not.toHaveText(before ?? '');
  await expect(page.getByTestId('run-auto')).toBeEnabled({ timeout: 120_000 });
}

const outputValues = async (page: Page): Promise<number[]> => JSON.parse((await page.getByTestId('outputs-json').textContent()) ?? '[]');
const routeCell = (page: Page, key: string) => page.locator(`[data-testid=route-table] tr[data-key="${key}"] td`);

/** A page in a fresh context whose engine has no Workers (as some WebViews), collecting its unhandled errors. */
async function pageWithoutWorkers(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  await context.addInitScript(() => {
    Object.defineProperty(globalThis, 'Worker', { value: undefined, configurable: true });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, errors };
}

test('the device page shows real probe values', async ({ app }, testInfo) => {
  await app.getByRole('link', { name: 'Device' }).click();
  const cell = (key: string) => app.locator(`[data-testid=device-table] tr[data-key="${key}"] td`);
  await expect(cell('wasm')).toHaveText('yes');
  await expect(cell('cross-origin isolated')).toHaveText('yes');
  await expect(cell('wasm threads')).toHaveText('yes');
  const cores = await app.evaluate(() => navigator.hardwareConcurrency);
  await expect(cell('CPU cores')).toHaveText(String(cores));
  // No --enable-unsafe-webgpu here: Chromium gives no adapter, and the page says so.
  await expect(cell('WebGPU')).toHaveText(/^no/);
  const gflops = Number(await cell('GFLOPS (micro-benchmark)').textContent());
  expect(gflops).toBeGreaterThan(0);
  await app.screenshot({ path: testInfo.outputPath('device.png'), fullPage: true });
});

test('a local run and a cloud run of the same model and input agree within 1e-4', async ({ app }, testInfo) => {
  await run(app, 'vision-s', 'local', 7);
  await expect(routeCell(app, 'ran')).toHaveText('local');
  const local = await outputValues(app);
  await run(app, 'vision-s', 'cloud', 7);
  await expect(routeCell(app, 'ran')).toHaveText('cloud');
  const cloud = await outputValues(app);
  expect(local).toHaveLength(1000);
  expect(cloud).toHaveLength(1000);
  const worst = Math.max(...local.map((v, i) => Math.abs(v - (cloud[i] as number))));
  expect(worst).toBeLessThan(1e-4);
  await app.screenshot({ path: testInfo.outputPath('run.png'), fullPage: true });
});

/**
 * The estimates an auto reason states, in ms: local, cloud and the fastest split (Infinity where the
 * reason gives none). The reason prints each route as "local 1.23 ms", "cloud 12 ms", "split@cut 3.4 ms".
 */
function statedEstimates(reason: string): { local: number; cloud: number; split: number } {
  const first = (pattern: RegExp) => Number(pattern.exec(reason)?.[1] ?? Number.POSITIVE_INFINITY);
  const splits = [...reason.matchAll(/split@\S+ ([\d.]+) ms/g)].map((m) => Number(m[1]));
  return { local: first(/\blocal ([\d.]+) ms/), cloud: first(/\bcloud ([\d.]+) ms/), split: Math.min(...splits) };
}

test('auto takes the route its own estimates favour for tiny and says so with the numbers; large goes to the cloud as too large', async ({ app }) => {
  // Which route is faster for tiny depends on how busy this machine is, so the test holds the router to
  // its own numbers: the route it ran is the one whose stated estimate is lowest (a tie goes local).
  await run(app, 'tiny', 'local'); // the model is now cached and compiled on the device
  await run(app, 'tiny', 'auto');
  const ran = (await routeCell(app, 'ran').textContent()) as 'local' | 'cloud' | 'split';
  const why = (await routeCell(app, 'why').textContent()) ?? '';
  expect(why).toMatch(
    ran === 'split'
      ? /^auto: split at \S+ \(\w+\) is fastest: /
      : new RegExp(`^auto: ${ran} is faster: local [\\d.]+ ms \\((measured|prior)\\) vs cloud [\\d.]+ ms \\((measured|prior)\\), budget`),
  );
  const stated = statedEstimates(why);
  expect(Number.isFinite(stated.local) && Number.isFinite(stated.cloud), why).toBe(true);
  for (const other of (['local', 'cloud', 'split'] as const).filter((r) => r !== ran)) expect(stated[ran], why).toBeLessThanOrEqual(stated[other]);
  await run(app, 'large', 'auto');
  await expect(routeCell(app, 'ran')).toHaveText('cloud');
  await expect(routeCell(app, 'why')).toContainText(/too large|MiB|MB|bytes/i);
});

test('on a phone-sized screen without Workers or WebGPU, local runs still work on the main thread', async ({ browser, stack }, testInfo) => {
  // A WebView that lacks module Workers: the SDK runs the model on the main thread and says so.
  const { context, page, errors } = await pageWithoutWorkers(browser, `${stack.appUrl}#/run`, {
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  await run(page, 'tiny', 'local', 5);
  await expect(routeCell(page, 'ran')).toHaveText('local');
  await expect(routeCell(page, 'on')).toContainText('main-thread');
  // Nothing overflows the narrow screen sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: testInfo.outputPath('phone-run.png'), fullPage: true });
  expect(errors).toEqual([]);
  await context.close();
});

test('a split run (head here, tail in the pool) gives the local outputs within its encoding tolerance, and shows what crossed', async ({ app }, testInfo) => {
  await run(app, 'vision-s', 'local', 9);
  const local = await outputValues(app);
  await run(app, 'vision-s', 'split', 9);
  await expect(routeCell(app, 'ran')).toHaveText('split');
  await expect(routeCell(app, 'cut')).toContainText(/tail model vision-s\./);
  await expect(routeCell(app, 'upload')).toContainText(/KiB/);
  await expect(routeCell(app, 'why')).toContainText(/as asked: split@/);
  // The tail gets the request's latency budget (1 s); on a loaded machine the pool can miss it, and then
  // the device finishes the tail: either way the page says where the tail ran, and the outputs agree.
  const tail = (await routeCell(app, 'tail').textContent()) ?? '';
  expect(tail).toMatch(/^in the pool|^on this device .*the pool failed/);
  testInfo.annotations.push({ type: 'tail', description: tail });
  await expect(app.getByTestId('run-status')).toContainText(
    tail.startsWith('in the pool') ? 'head on this device, tail in the pool' : 'finished on this device',
  );
  const split = await outputValues(app);
  expect(split).toHaveLength(1000);
  // The catalog allows an encoding only within 2% of the largest output, with the same top-1.
  const scale = Math.max(...local.map(Math.abs));
  expect(Math.max(...local.map((v, i) => Math.abs(v - (split[i] as number))))).toBeLessThanOrEqual(0.02 * scale);
  const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
  expect(argmax(split)).toBe(argmax(local));
  await app.screenshot({ path: testInfo.outputPath('split.png'), fullPage: true });
});

/** The two whole-route estimates an auto reason states, in ms. */
function estimates(why: string): { local: number; cloud: number } {
  const m = /local ([\d.]+) ms \(\w+\) vs cloud ([\d.]+) ms/.exec(why);
  return { local: Number(m?.[1]), cloud: Number(m?.[2]) };
}

test('a slow phone (CDP CPU throttling): auto sends ocr-det to the pool on a fast link, keeps it local on 3G, and says why', async ({
  browser,
  stack,
}, testInfo) => {
  // CDP's CPU throttling slows a page's main thread only (a dedicated Worker's target refuses
  // Emulation.setCPUThrottlingRate: "only supported for pages"), so the phone is a WebView without
  // module Workers, where the SDK runs models on the main thread: the throttle slows its wasm and its
  // side of every cloud call alike, not the pool's compute nor the wire.
  const { context, page, errors } = await pageWithoutWorkers(browser, `${stack.appUrl}#/run`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 10 });
  const model = 'ocr-det'; // 4.6 GFLOP on a 4.9 MB picture: heavy for a phone, heavy on a slow link
  const why = async (label: string) => {
    const text = (await routeCell(page, 'why').textContent()) ?? '';
    testInfo.annotations.push({ type: label, description: text });
    return text;
  };
  try {
    // Both whole routes measured on the fast loopback: a local run's first run is warm-up, and the cloud's
    // first call (connection, the runtime's JSON paths) weighs on its average until a few more follow.
    for (let i = 0; i < 2; i++) await run(page, model, 'local', 6);
    await expect(routeCell(page, 'on')).toContainText('main-thread');
    for (let i = 0; i < 4; i++) await run(page, model, 'cloud', 6);
    await run(page, model, 'auto', 6);
    const fast = await why('fast link');
    await expect(routeCell(page, 'ran')).toHaveText('cloud');
    expect(fast).toMatch(/^auto: cloud is faster/);
    const was = estimates(fast);
    // Not a close call that the machine's load could turn: both estimates are mostly the same throttled
    // thread's work (the run, or encoding the request and decoding the answer), the pool's compute is small.
    expect(was.local).toBeGreaterThanOrEqual(1.5 * was.cloud);

    // WebPageTest's "3G": 300 ms RTT, 1.6 Mbps down, 768 Kbps up. The page's connection reports the
    // change; the client forgets what it measured on the old link and pings again.
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 300,
      downloadThroughput: (1.6e6 / 8) | 0,
      uploadThroughput: (768e3 / 8) | 0,
      connectionType: 'cellular3g',
    });
    await run(page, model, 'auto', 6);
    const slow = await why('3G');
    // Chosen, not fallen back to: the estimate put the cloud behind the slow local run.
    await expect(routeCell(page, 'ran')).toHaveText('local');
    await expect(routeCell(page, 'fallback')).toHaveText('none');
    expect(slow).toMatch(/^auto: local is faster/);
    // The reason names the new link: the round trip pinged again, the downlink the browser now reports.
    expect(Number(/network: RTT (\d+) ms measured/.exec(slow)?.[1])).toBeGreaterThanOrEqual(300);
    expect(Number(/down ([\d.]+) Mbps probed/.exec(slow)?.[1])).toBeLessThan(2);
    const now = estimates(slow);
    expect(now.cloud).toBeGreaterThan(now.local);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('the broker stopped mid-session: a split run finishes its tail on the device and says so', async ({ app, stack }) => {
  await run(app, 'vision-s', 'split', 4);
  await expect(routeCell(app, 'ran')).toHaveText('split');
  await stack.stopBroker();
  try {
    await run(app, 'vision-s', 'split', 4);
    await expect(routeCell(app, 'ran')).toHaveText('split');
    await expect(routeCell(app, 'tail')).toContainText('on this device');
    await expect(routeCell(app, 'fallback')).toContainText('from split');
    await expect(app.getByTestId('run-status')).toContainText('finished on this device because the pool failed');
  } finally {
    await stack.startBroker();
  }
});

test('the broker stopped mid-session: auto runs fall back to local and say so', async ({ app, stack }) => {
  await run(app, 'text-m', 'cloud'); // the broker answers
  await expect(routeCell(app, 'ran')).toHaveText('cloud');
  await stack.stopBroker();
  await run(app, 'text-m', 'auto', 2);
  await expect(routeCell(app, 'ran')).toHaveText('local');
  // Either the router chose local on its own estimates, or it tried the stopped cloud and fell back:
  // the page says exactly which, with the failure's code.
  const why = (await routeCell(app, 'why').textContent()) ?? '';
  const fallback = (await routeCell(app, 'fallback').textContent()) ?? '';
  if (fallback === 'none') {
    expect(why).toMatch(/^auto: local is faster: local (?:[\d.]+ ms|never) .* vs cloud (?:[\d.]+ ms|never) /);
  } else {
    expect(fallback).toMatch(/^from cloud: [A-Z_]+: \S/);
    expect(why).toMatch(/^auto: cloud is faster: .*; cloud failed \([A-Z_]+\), fell back to local$/);
  }
  await stack.startBroker();
});
