import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { type Child, startBrokerInFront } from '@splitflow/test-fixtures/processes';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import * as ort from 'onnxruntime-node';
import type { PageMessage } from '../examples/webview/protocol.js';
import { createModelsHandler } from '../scripts/serve-models.js';
import { buildBundledPage } from './bundled-page.js';
import { recordCompat } from './engines/compat-matrix.js';
import { startXvfb, stop } from './engines/xvfb.js';
import { ROOT } from './stack.js';
import { startWebViewHost, type WebViewHost } from './webview-host.js';

// examples/webview's page in a real native WebView host on WebKitGTK (the engine of WKWebView), built
// as a Capacitor / WKWebView shell builds it: the bundled page from a custom scheme (app://splitflow),
// the bridge through `window.webkit.messageHandlers.splitflow`, a storage quota set by the host, and a
// device with no network. The page reports everything through the bridge; the host prints it.

const ORIGIN = 'app://splitflow';
const QUOTA_BYTES = 16 * 1024;

type Result = Extract<PageMessage, { type: 'result' }>;
const isReply = (id: string) => (m: PageMessage) => (m.type === 'result' || m.type === 'error') && m.id === id;

/** tiny's logits for the page's seeded input (examples/webview/page.ts), from onnxruntime-node. */
async function tinyReference(): Promise<number[]> {
  const features = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37));
  const session = await ort.InferenceSession.create(join(ROOT, 'models', 'build', 'tiny', 'model.onnx'));
  const out = await session.run({ features: new ort.Tensor('float32', features, [1, 64]) });
  await session.release();
  return Array.from((out.logits as ort.Tensor).data as Float32Array);
}

function expectLogits(message: PageMessage, want: number[]): void {
  const got = (message as Result).outputs?.logits ?? [];
  expect(got.length, JSON.stringify(message)).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
}

let display: { child: import('node:child_process').ChildProcess; display: string };
let pageDir: string;
let worker: RunningWorker;
let broker: Child;
let cdn: Server;
let cdnUrl: string;
const cdnRequests: { url: string; origin: IncomingHttpHeaders['origin'] }[] = [];
let reference: number[];

test.beforeAll(async () => {
  [display, pageDir, reference] = await Promise.all([startXvfb(), buildBundledPage(), tinyReference()]);
  const catalogPath = join(ROOT, 'models', 'catalog.json');
  worker = await startWorker({ catalog: catalogPath, modelDir: join(ROOT, 'models', 'build') });
  // The cloud, as an app reaches it: cross-origin from app://splitflow, allowed by the broker's CORS list.
  broker = await startBrokerInFront({ catalogPath, workerUrl: worker.url, models: ['tiny'], maxConcurrency: 2, corsOrigins: [ORIGIN] });
  // A model CDN (http, CORS open): files from there are what the WebView's Cache API keeps.
  const models = createModelsHandler(join(ROOT, 'models'), { 'Access-Control-Allow-Origin': '*' });
  cdn = createServer((req, res) => {
    cdnRequests.push({ url: req.url ?? '', origin: req.headers.origin });
    models(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  if (cdn) await new Promise((resolve) => cdn.close(resolve));
  await broker?.stop();
  await worker?.close();
  if (display) await stop(display.child);
});

async function withHost(options: { originQuotaBytes?: number; offline?: boolean }, body: (host: WebViewHost) => Promise<void>): Promise<void> {
  const host = await startWebViewHost({ root: pageDir, display: display.display, ...options });
  try {
    await body(host);
  } finally {
    await host.close();
  }
}

test('the page from app://, local and cloud runs, answers through webkit.messageHandlers; a model from a CDN is cached and read back', async () => {
  await withHost({}, async (host) => {
    host.post({ type: 'configure', catalog: './models/catalog.json', broker: broker.url });
    const ready = await host.next((m) => m.type === 'ready');
    expect(host.lines.find((l) => l.event === 'loaded')).toMatchObject({ uri: `${ORIGIN}/index.html` });
    // A custom scheme sends no COOP/COEP: not isolated, no wasm threads, and the probe says so.
    expect(ready).toMatchObject({ crossOriginIsolated: false, wasmThreads: false, online: true });

    host.post({ type: 'infer', id: 'local', model: 'tiny', mode: 'local-only' });
    host.post({ type: 'infer', id: 'cloud', model: 'tiny', mode: 'prefer-cloud' });
    host.post({ type: 'nonsense' });
    const local = await host.next(isReply('local'));
    const cloud = await host.next(isReply('cloud'));
    const bad = await host.next((m) => m.type === 'error' && m.id === undefined);
    expect(local).toMatchObject({ type: 'result', where: 'local', backend: 'wasm', thread: 'worker' });
    expectLogits(local, reference);
    expect(cloud).toMatchObject({ type: 'result', where: 'cloud' });
    expectLogits(cloud, reference);
    expect(bad).toMatchObject({ code: 'INVALID_REQUEST' });

    // The same model from an http CDN: verified, then kept by the Cache API (no storage message).
    host.post({ type: 'configure', catalog: `${cdnUrl}/models/catalog.json` });
    host.post({ type: 'infer', id: 'cdn', model: 'tiny', mode: 'local-only' });
    const fromCdn = await host.next(isReply('cdn'));
    expect(fromCdn).toMatchObject({ type: 'result', where: 'local' });
    expectLogits(fromCdn, reference);
    // A new client (the app started again) finds the file in the cache: the CDN sees no second request.
    host.post({ type: 'configure', catalog: `${cdnUrl}/models/catalog.json` });
    host.post({ type: 'infer', id: 'cdn-again', model: 'tiny', mode: 'local-only' });
    expectLogits(await host.next(isReply('cdn-again')), reference);
    const modelFetches = cdnRequests.filter((r) => r.url.startsWith('/models/tiny/model.onnx'));
    expect(modelFetches).toEqual([{ url: '/models/tiny/model.onnx', origin: ORIGIN }]);
    const pageMessages = host.lines.flatMap((l) => (l.message ? [l.message] : []));
    expect(pageMessages.filter((m) => m.type === 'storage')).toEqual([]);
    recordCompat('webkit', {
      webviewHost: `page, modules, wasm and Worker from ${ORIGIN}; local tiny (${(local as Result).backend} in ${(local as Result).thread}); cloud via the broker (CORS for ${ORIGIN}); bridge: webkit.messageHandlers`,
    });
  });
});

test('a 16 KiB origin quota: caching the model fails with QuotaExceededError, the page says so through the bridge and runs it from the network copy', async () => {
  await withHost({ originQuotaBytes: QUOTA_BYTES }, async (host) => {
    host.post({ type: 'configure', catalog: `${cdnUrl}/models/catalog.json`, broker: broker.url });
    host.post({ type: 'infer', id: 'q', model: 'tiny', mode: 'local-only' });
    host.post({ type: 'infer', id: 'q-cloud', model: 'tiny', mode: 'cloud-only' });
    const run = await host.next(isReply('q'));
    const cloud = await host.next(isReply('q-cloud'));
    const storage = host.lines.flatMap((l) => (l.message?.type === 'storage' ? [l.message] : []));
    recordCompat('webkit', {
      webviewHostQuota:
        run.type === 'result' && storage.length > 0 ? `runs from the network, reports ${storage[0]?.name}` : `no: ${JSON.stringify([run, storage])}`,
    });
    expect(storage).toEqual([expect.objectContaining({ model: 'tiny', file: 'tiny/model.onnx', name: 'QuotaExceededError' })]);
    // The failure came before the answer: the host knows why the next start downloads again.
    const order = host.lines.flatMap((l) =>
      l.message?.type === 'storage' ? ['storage'] : l.message && 'id' in l.message && l.message.id === 'q' ? ['q'] : [],
    );
    expect(order).toEqual(['storage', 'q']);
    expect(run).toMatchObject({ type: 'result', where: 'local', backend: 'wasm' });
    expectLogits(run, reference);
    expect(cloud).toMatchObject({ type: 'result', where: 'cloud' });
  });
});

test('a device with no network (no route: WebKit reports offline): prefer-cloud stays local and says why', async () => {
  await withHost({ offline: true }, async (host) => {
    host.post({ type: 'configure', catalog: './models/catalog.json', broker: broker.url });
    const ready = await host.next((m) => m.type === 'ready');
    host.post({ type: 'infer', id: 'off', model: 'tiny', mode: 'prefer-cloud' });
    const off = await host.next(isReply('off'));
    recordCompat('webkit', {
      webviewHostOffline:
        off.type === 'result' && off.where === 'local'
          ? `yes: navigator.onLine ${String((ready as { online?: unknown }).online)}, "${off.reason}"`
          : `no: ${JSON.stringify(off)}`,
    });
    expect(ready).toMatchObject({ online: false });
    expect(off).toMatchObject({ type: 'result', where: 'local', backend: 'wasm' });
    expect((off as Result).reason).toMatch(/offline/);
    expectLogits(off, reference);
  });
});
