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
const BUDGET = 4 * 1024 ** 2;

let server: ViteDevServer;
let worker: RunningWorker;
let pageUrl: string;
test.beforeAll(async () => {
  worker = await startWorker({ catalog: join(ROOT, 'models', 'catalog.json'), modelDir: join(ROOT, 'models', 'build') });
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

test('the WebView page runs a small model locally without isolation, and auto sends a model over the memory budget to the cloud, saying why', async ({
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
  recordCompat(engine.name, {
    webview:
      tiny.where === 'local' && (vision.where === 'cloud' || vision.where === 'split')
        ? `local tiny (${tiny.backend}), vision-s to ${vision.where} before its whole file downloads`
        : `no: ${JSON.stringify([tiny, vision])}`,
  });
  expect(tiny).toMatchObject({ type: 'result', where: 'local', backend: 'wasm' });
  // The whole model is over the budget, so it never runs here; auto may still send it whole or split it
  // (a head is not yet sized against the budget on its own: the whole model's file must stay undownloaded).
  expect(vision).toMatchObject({ type: 'result' });
  expect(['cloud', 'split']).toContain(vision.where);
  expect(vision.reason).toMatch(/over this page's 4\.0 MiB memory budget/);
  expect(refused).toMatchObject({ type: 'error', code: 'LOCAL_UNAVAILABLE' });
  expect(String(refused.message)).toMatch(/memory budget/);
  expect(bad).toMatchObject({ code: 'INVALID_REQUEST' });
  // The whole vision-s file was never downloaded to the device (a split fetches only its head).
  expect(
    await page.evaluate(
      () => performance.getEntriesByType('resource').filter((e) => /^\/models\/vision-s\/model[^/]*\.onnx$/.test(new URL(e.name).pathname)).length,
    ),
  ).toBe(0);
  await page.close();
});
