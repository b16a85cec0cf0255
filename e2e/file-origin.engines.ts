import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isErrorCode } from '@splitflow/contract';
import { buildBundledPage } from './bundled-page.js';
import { recordCompat } from './engines/compat-matrix.js';
import type { Engine, EngineName, EnginePage } from './engines/engine.js';
import { expect, test } from './engines/engine-test.js';
import { launchEngine } from './engines/launch-engine.js';

// A non-http origin, as hybrid apps load their bundled pages: examples/webview built with relative
// paths, with the catalog and the tiny model beside it, opened from file:. Each engine as it ships
// (a WebView's default) and with file: pages allowed to read file: URLs (Android's
// setAllowFileAccessFromFileURLs, WebKit's allow-file-access-from-file-urls). What each engine does is
// pinned below, so a change in the SDK or an engine shows up here.

interface Expected {
  /** Without file access: whether the page's module scripts run at all. */
  startsWithoutAccess: boolean;
  /** With file access: a local run of tiny, or the typed error the SDK gives instead. */
  localWithAccess: 'local' | 'MODEL_LOAD_FAILED';
}
const EXPECTED: Readonly<Record<EngineName, Expected>> = {
  // A file: page has origin null: Chromium refuses its module scripts; with access the origin is file://.
  chromium: { startsWithoutAccess: false, localWithAccess: 'local' },
  // Firefox runs the modules from the page's folder, but its file: origin is "null" and onnxruntime-web
  // resolves its own URL against location.origin as it loads: the wasm runtime cannot start.
  firefox: { startsWithoutAccess: true, localWithAccess: 'MODEL_LOAD_FAILED' },
  // WebKit refuses the modules like Chromium; with access its fetch answers file: reads with status 0,
  // which the SDK takes as the file (the SHA-256 still checks it).
  webkit: { startsWithoutAccess: false, localWithAccess: 'local' },
};

interface Reply {
  type: string;
  id?: string;
  code?: string;
  message?: string;
  where?: string;
  backend?: string;
  outputs?: Record<string, number[]>;
}

const started = (page: EnginePage) => page.evaluate(() => ({ bridge: document.documentElement.getAttribute('data-bridge'), origin: location.origin }));

/** Attaches a React Native-like bridge, configures the page and asks for a local and a cloud run of tiny. */
async function askForTiny(page: EnginePage): Promise<Reply[]> {
  await page.evaluate(() => {
    const inbox: unknown[] = [];
    Object.assign(window, { __inbox: inbox, ReactNativeWebView: { postMessage: (m: string) => inbox.push(JSON.parse(m)) } });
  });
  const post = (message: object) => page.evaluate((m) => void window.dispatchEvent(new MessageEvent('message', { data: m })), JSON.stringify(message));
  await post({ type: 'configure', catalog: './models/catalog.json' });
  await post({ type: 'infer', id: 'local', model: 'tiny', mode: 'local-only' });
  // No broker is configured (a file: page has no server to proxy one): the cloud is refused with a code.
  await post({ type: 'infer', id: 'cloud', model: 'tiny', mode: 'cloud-only' });
  const inbox = () => page.evaluate(() => (window as unknown as { __inbox: Reply[] }).__inbox);
  await page.waitFor(
    () => {
      const got = (window as unknown as { __inbox: { id?: string }[] }).__inbox;
      return got.some((r) => r.id === 'local') && got.some((r) => r.id === 'cloud');
    },
    undefined,
    120_000,
  );
  return inbox();
}

test("a file: page (a hybrid app's bundled page) runs the SDK where the engine lets it, and every failure is a typed error", async ({ engine }) => {
  const dir = await buildBundledPage();
  const url = pathToFileURL(join(dir, 'index.html')).href;
  const expected = EXPECTED[engine.name];

  const plain = await engine.newPage();
  await plain.goto(url);
  const asShipped = await started(plain);
  await plain.close();
  expect(asShipped.bridge === 'listening').toBe(expected.startsWithoutAccess);

  let withAccess: Engine | undefined;
  try {
    withAccess = await launchEngine(engine.name, { fileAccess: true });
    const page = await withAccess.newPage();
    await page.goto(url);
    expect((await started(page)).bridge).toBe('listening');
    const replies = await askForTiny(page);
    const ready = replies.find((r) => r.type === 'ready');
    const local = replies.find((r) => r.id === 'local') as Reply;
    const cloud = replies.find((r) => r.id === 'cloud') as Reply;
    recordCompat(engine.name, {
      fileOrigin: [
        asShipped.bridge === 'listening' ? 'starts' : 'does not start (module scripts refused)',
        `with file access: ${local.type === 'result' ? `local tiny (${local.backend})` : `${local.code}`}`,
      ].join('; '),
    });
    expect(ready).toMatchObject({ crossOriginIsolated: false, wasmThreads: false });
    // Every error that came back carries a code from the one table.
    for (const r of replies.filter((x) => x.type === 'error')) expect(isErrorCode(r.code), JSON.stringify(r)).toBe(true);
    expect(cloud).toMatchObject({ type: 'error', code: 'LOCAL_UNAVAILABLE' });
    expect(cloud.message).toMatch(/no cloud endpoint/);
    if (expected.localWithAccess === 'local') {
      expect(local).toMatchObject({ type: 'result', where: 'local', backend: 'wasm' });
      const logits = Object.values(local.outputs ?? {})[0] ?? [];
      expect(logits.length).toBeGreaterThan(0);
      expect(logits.every(Number.isFinite)).toBe(true);
    } else {
      expect(local).toMatchObject({ type: 'error', code: expected.localWithAccess });
      expect(local.message).toMatch(/could not load on any backend/);
    }
    await page.close();
  } finally {
    await withAccess?.close();
  }
});
