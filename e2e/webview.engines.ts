import { join } from 'node:path';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { createServer, type ViteDevServer } from 'vite';
import { recordCompat } from './engines/compat-matrix.js';
import { pollPage } from './engines/engine.js';
import { expect, test } from './engines/engine-test.js';
import { ROOT } from './stack.js';

// The WebView profile: examples/webview's page as an embedded WebView loads it (no COOP/COEP, served
// from http://localhost like Capacitor's Android origin, a host-given memory budget), driven through its
// bridge exactly as React Native's WebView does it (window.ReactNativeWebView + message events), in each engine.
// At 2 MiB tiny (0.1 MiB) runs here, and neither vision-s (12.6 MiB) nor any of its cuts' heads (3.1 MiB
// and more) fits: auto sends it whole to the cloud. At 7 MiB the heads of three cuts fit (3.1, 6.1 and
// 6.6 MiB), the fourth (8.2 MiB) and the whole model do not: no-raw-input splits it at one that fits.
const BUDGET = 2 * 1024 ** 2;
const HEADS_FIT = 7 * 1024 ** 2;

let server: ViteDevServer;
let worker: RunningWorker;
let pageUrl: string;
test.beforeAll(async () => {
  worker = await startWorker({ catalog: join(ROOT, 'models', 'catalog.json'), modelDir: join(ROOT, 'models', 'build'), tails: ['vision-s'] });
  server = await createServer({ configFile: join(ROOT, 'examples', 'webview', 'vite.config.ts'), logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  const address = server.httpServer?.address();
  pageUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`;
});
test.afterAll(async () => {
  await server?.close();
  await worker?.close();
});

const pollUntil = (check: () => Promise<boolean>, ms: number) => pollPage(check, ms, 'a reply from the page');

interface Reply {
  type: string;
  id?: string;
  [key: string]: unknown;
}

test('the WebView page runs a small model locally without isolation, sends a model whose whole and heads are over the memory budget to the cloud, and splits it at a head that fits, saying why', async ({
  engine,
}) => {
  const page = await engine.newPage();
  await page.goto(pageUrl);
  // What React Native's WebView gives the page: window.ReactNativeWebView.postMessage, and host messages as events.
  const attach = async () => {
    await page.waitFor(() => document.documentElement.getAttribute('data-bridge') === 'listening');
    await page.evaluate(() => {
      const inbox: unknown[] = [];
      Object.assign(window, { __inbox: inbox, ReactNativeWebView: { postMessage: (m: string) => inbox.push(JSON.parse(m)) } });
    });
  };
  await attach();
  const post = (message: object) => page.evaluate((m) => void window.dispatchEvent(new MessageEvent('message', { data: m })), JSON.stringify(message));
  const matches = (r: Reply, m: { type?: string; id?: string }) => (m.id !== undefined ? r.id === m.id : r.type === m.type && r.id === undefined);
  const reply = async (match: { type?: string; id?: string }): Promise<Reply> => {
    const inbox = () => page.evaluate(() => (window as unknown as { __inbox?: Reply[] }).__inbox ?? []);
    try {
      await pollUntil(async () => (await inbox()).some((r) => matches(r, match)), 120_000);
    } catch {
      const shown = await page.evaluate(() => document.getElementById('status')?.textContent);
      throw new Error(`no ${JSON.stringify(match)} from the page; it shows "${shown}", sent ${JSON.stringify(await inbox())}`);
    }
    return (await inbox()).find((r) => matches(r, match)) as Reply;
  };

  const configure = { type: 'configure', catalog: '/models/catalog.json', broker: `/cloud/${worker.port}`, memoryBudgetBytes: BUDGET, wasmPaths: '/ort/' };
  await post(configure);
  // A dev server that optimises a dependency on first use reloads the page once: then attach and configure again.
  if (await page.evaluate(() => (window as unknown as { __inbox?: unknown }).__inbox === undefined)) {
    await attach();
    await post(configure);
  }
  const ready = await reply({ type: 'ready' });
  // Not isolated: no wasm threads, whatever the engine could do with COOP/COEP, and the probe says so.
  expect(ready).toMatchObject({ crossOriginIsolated: false, wasmThreads: false });

  await post({ type: 'infer', id: 'tiny', model: 'tiny', mode: 'local-only' });
  await post({ type: 'infer', id: 'vision', model: 'vision-s' });
  await post({ type: 'infer', id: 'vision-local', model: 'vision-s', mode: 'local-only' });
  await post({ type: 'nonsense' });
  const tiny = await reply({ id: 'tiny' });
  const vision = await reply({ id: 'vision' });
  const refused = await reply({ id: 'vision-local' });
  const bad = await reply({ type: 'error' });
  // Deterministic for this budget: local is ruled out, and so is every cut (each head is sized on its own).
  const cuts = ['stem-conv', 'maxpool', 'block6-dw-conv', 'block8-dw-conv'];
  const cloudFirst =
    vision.where === 'cloud' &&
    cuts.every((c) => new RegExp(`split@${c} ruled out \\(head needs [\\d.]+ MiB, over this page's 2\\.0 MiB`).test(String(vision.reason)));

  // The host gives more memory: the heads that fit make a split, the one that does not is ruled out.
  await page.evaluate(() => void (window as unknown as { __inbox: unknown[] }).__inbox.splice(0));
  await post({ ...configure, memoryBudgetBytes: HEADS_FIT });
  await reply({ type: 'ready' });
  await post({ type: 'infer', id: 'private', model: 'vision-s', privacy: 'no-raw-input' });
  const split = await reply({ id: 'private' });
  recordCompat(engine.name, {
    webview:
      tiny.where === 'local' && cloudFirst && split.where === 'split'
        ? `local tiny (${tiny.backend}); vision-s to cloud at 2 MiB (no head fits), split at 7 MiB under no-raw-input (3 of 4 heads fit); its whole file never downloads`
        : `no: ${JSON.stringify([tiny, vision, split])}`,
  });
  expect(tiny).toMatchObject({ type: 'result', where: 'local', backend: 'wasm' });
  expect(vision).toMatchObject({ type: 'result', where: 'cloud' });
  expect(vision.reason).toMatch(/cloud: local is ruled out \(model needs 12\.\d MiB, over this page's 2\.0 MiB memory budget\)/);
  for (const cut of cuts)
    expect(vision.reason).toMatch(new RegExp(`split@${cut} ruled out \\(head needs [\\d.]+ MiB, over this page's 2\\.0 MiB memory budget\\)`));
  expect(refused).toMatchObject({ type: 'error', code: 'LOCAL_UNAVAILABLE' });
  expect(String(refused.message)).toMatch(/memory budget/);
  expect(bad).toMatchObject({ code: 'INVALID_REQUEST' });
  expect(split).toMatchObject({ type: 'result', where: 'split' });
  expect(['stem-conv', 'maxpool', 'block6-dw-conv']).toContain(split.cut);
  expect(split.reason).toMatch(/split: local and cloud are ruled out \(.*model needs 12\.\d MiB, over this page's 7\.0 MiB memory budget/);
  expect(split.reason).toMatch(/split@block8-dw-conv ruled out \(head needs 8\.2 MiB, over this page's 7\.0 MiB memory budget\)/);
  // The whole vision-s file was never downloaded to the device (a split fetches only its head).
  expect(
    await page.evaluate(
      () => performance.getEntriesByType('resource').filter((e) => /^\/models\/vision-s\/model[^/]*\.onnx$/.test(new URL(e.name).pathname)).length,
    ),
  ).toBe(0);
  await page.close();
});
