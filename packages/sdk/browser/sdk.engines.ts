import { type RunningWorker, startWorker } from '@splitflow/worker';
import { recordCompat } from '../../../e2e/engines/compat-matrix.js';
import type { EngineName, EnginePage } from '../../../e2e/engines/engine.js';
import { expect, test } from '../../../e2e/engines/engine-test.js';
import { launchEngine } from '../../../e2e/engines/launch-engine.js';
import { clientOptions as baseOptions, expectClose, type Fixture, makeFixture, ok, X } from './fixture.js';

// The SDK in Chromium, Firefox ESR and WebKitGTK, written once against the driver layer
// (e2e/engines). What each engine lacks must give a working degraded route or a typed error, and the
// probe must say what the page itself sees. Each test records what it observed in the README's matrix.

let fixture: Fixture;
test.beforeAll(async () => {
  fixture = await makeFixture();
});
const clientOptions = (extra: Record<string, unknown> = {}) => baseOptions(fixture.catalogUrl, extra);
const yesNo = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : String(v));

async function open(engine: { newPage(): Promise<EnginePage> }, baseURL: string | undefined): Promise<EnginePage> {
  const page = await engine.newPage();
  await page.goto(`${baseURL}/`);
  await page.waitFor(() => (window as { sdkReady?: boolean }).sdkReady === true);
  await page.evaluate(() => window.t.clearCache());
  return page;
}

/** What the page itself can see, independently of the SDK's probe. */
const pageFacts = () =>
  new Promise<{ coi: boolean; sab: boolean; gpu: boolean; deviceMemory: boolean; connection: boolean; caches: boolean; moduleWorker: boolean }>((resolve) => {
    const base = {
      coi: globalThis.crossOriginIsolated === true,
      sab: typeof SharedArrayBuffer === 'function',
      gpu: 'gpu' in navigator,
      deviceMemory: 'deviceMemory' in navigator,
      connection: 'connection' in navigator,
      caches: typeof caches === 'object',
    };
    try {
      const url = URL.createObjectURL(new Blob(['postMessage(typeof import.meta.url)'], { type: 'text/javascript' }));
      const worker = new Worker(url, { type: 'module' });
      worker.onmessage = (e) => {
        worker.terminate();
        resolve({ ...base, moduleWorker: e.data === 'string' });
      };
      worker.onerror = () => resolve({ ...base, moduleWorker: false });
    } catch {
      resolve({ ...base, moduleWorker: false });
    }
  });

test('the probe reports what the page sees: threads only with SharedArrayBuffer, absent APIs as unknown', async ({ engine, baseURL }) => {
  const page = await open(engine, baseURL);
  const facts = await page.evaluate(pageFacts);
  const profile = ok(await page.evaluate(() => window.t.probe()));
  recordCompat(engine.name, {
    version: engine.version,
    crossOriginIsolated: yesNo(facts.coi),
    sharedArrayBuffer: yesNo(facts.sab),
    wasmSimd: yesNo(profile.wasm.simd),
    wasmThreads: yesNo(profile.wasm.threads),
    webgpu: profile.webgpu.available ? `yes${profile.webgpu.isFallbackAdapter ? ' (software)' : ''}` : `no: ${profile.webgpu.reason}`,
    // Whether the API is there, not this machine's values, so the table does not change from machine to machine.
    deviceMemory: profile.deviceMemoryGb === 'unknown' ? 'unknown (API absent)' : 'reported',
    connection: profile.network.effectiveType === 'unknown' ? 'unknown (API absent)' : 'reported',
    moduleWorker: yesNo(facts.moduleWorker),
  });
  expect(profile.crossOriginIsolated).toBe(facts.coi);
  // Isolated but without SharedArrayBuffer (WebKitGTK): wasm runs single-threaded, and the probe says so.
  expect(profile.wasm).toMatchObject({ available: true, threads: facts.coi && facts.sab });
  expect(profile.wasm.simd).toBe(true);
  if (!facts.gpu) expect(profile.webgpu).toEqual({ available: false, reason: 'navigator.gpu is absent' });
  if (!facts.deviceMemory) expect(profile.deviceMemoryGb).toBe('unknown');
  if (!facts.connection) expect(profile.network).toMatchObject({ effectiveType: 'unknown', rttMs: 'unknown', downlinkMbps: 'unknown', saveData: 'unknown' });
  expect(profile.network.online).toBe(true);
  expect(profile.hardwareConcurrency).toBeGreaterThanOrEqual(1);
  await page.close();
});

test('a local run equals onnxruntime-node, in a module Worker where the engine has one; then a second load comes from the Cache API', async ({
  engine,
  baseURL,
}) => {
  const page = await open(engine, baseURL);
  const facts = await page.evaluate(pageFacts);
  // Caches an older SDK wrote in its own layout: the new store must not read them, and removes them.
  await page.evaluate(async () => {
    for (const name of ['splitflow-models', 'splitflow-models-v1']) await (await caches.open(name)).put('/stale', new Response('old layout'));
  });
  ok(await page.evaluate((o) => window.t.create('a', o), clientOptions({ backends: ['webgpu', 'wasm'] })));
  const first = await page.evaluate(() => window.t.prefetch('a', 'mlp'));
  const local = await page.evaluate((x) => window.t.infer('a', 'mlp', { x }, { mode: 'local-only' }), X);
  recordCompat(engine.name, {
    runtimeThread: local.ok ? `${local.value.route.backend} in ${local.value.route.thread}` : `fails: ${local.error.code}`,
    localRun: local.ok ? 'yes' : `fails: ${local.error.code}: ${local.error.message}`,
  });
  expect(ok(first).fromCache).toBe(false);
  expect((await page.evaluate(() => window.t.cacheNames())).filter((n) => n.startsWith('splitflow-models'))).toEqual(['splitflow-models-v2']);
  const run = ok(local);
  // No WebGPU adapter anywhere here but Chromium with a flag: the host falls back to wasm and says which ran.
  expect(run.route).toMatchObject({ where: 'local', backend: 'wasm', thread: facts.moduleWorker ? 'worker' : 'main-thread' });
  expectClose(run.outputs.y?.data, fixture.reference);

  ok(await page.evaluate((o) => window.t.create('b', o), clientOptions()));
  const second = await page.evaluate(() => window.t.prefetch('b', 'mlp'));
  recordCompat(engine.name, { cacheApi: !facts.caches ? 'absent' : second.ok && second.value.fromCache ? 'yes' : 'no' });
  if (facts.caches) expect(ok(second).fromCache).toBe(true);
  await page.close();
});

// What each engine's Cache API rejects a write over quota with: the DOM's QuotaExceededError, or
// Firefox's own NS_ERROR_FILE_NO_DEVICE_SPACE (its Cache API passes the quota manager's error through).
const QUOTA_ERROR: Readonly<Record<EngineName, string>> = {
  chromium: 'QuotaExceededError',
  firefox: 'NS_ERROR_FILE_NO_DEVICE_SPACE',
  webkit: 'QuotaExceededError',
};
// Firefox's limit for the whole profile. Its Cache API database takes about 96 KiB before any entry
// (Firefox ESR 153: below that even caches.keys() fails), so 128 KiB lets the page open its cache and
// write nothing, as on a full disk.
const FIREFOX_QUOTA_BYTES = 128 * 1024;

test('a storage quota too small for the model: the SDK runs it from the network and says so', async ({ engine, engineName, baseURL }) => {
  if (!engine.can.storageQuota && !engine.can.launchQuota) {
    recordCompat(engine.name, { quota: "not tested here: its WebDriver cannot set a quota (see the WebView host's quota row)" });
    test.skip(true, `the ${engine.name} driver cannot set a storage quota; the WebView host test covers WebKit's`);
  }
  // Chromium's quota is set per origin on a page; Firefox's for the whole profile at launch.
  const limited = engine.can.storageQuota ? undefined : await launchEngine(engineName, { storageQuotaBytes: FIREFOX_QUOTA_BYTES });
  try {
    const page = await open(limited ?? engine, baseURL);
    // A quota of one byte: nothing fits, as on a full disk.
    if (engine.can.storageQuota) await page.setStorageQuota(new URL(baseURL as string).origin, 1);
    ok(await page.evaluate((o) => window.t.create('q', o), clientOptions()));
    const first = ok(await page.evaluate(() => window.t.prefetch('q', 'mlp')));
    const run = await page.evaluate((x) => window.t.infer('q', 'mlp', { x }, { mode: 'local-only' }), X);
    const storage = ((await page.evaluate(() => window.t.events('q'))) as { type: string; name?: string; file?: string }[]).filter((e) => e.type === 'storage');
    recordCompat(engine.name, {
      quota: run.ok && storage.length > 0 ? `runs from the network, reports ${storage[0]?.name}` : `no: ${run.ok ? 'not reported' : run.error.code}`,
    });
    expect(first.fromCache).toBe(false);
    expect(storage).toEqual([expect.objectContaining({ name: QUOTA_ERROR[engineName], file: 'mlp.onnx' })]);
    expectClose(ok(run).outputs.y?.data, fixture.reference);
    // Nothing was kept: a second client downloads again, and works.
    ok(await page.evaluate((o) => window.t.create('q2', o), clientOptions()));
    expect(ok(await page.evaluate(() => window.t.prefetch('q2', 'mlp'))).fromCache).toBe(false);
    await page.close();
  } finally {
    await limited?.close();
  }
});

test("with the engine's WebGPU switched on: a local run on the adapter it gives equals onnxruntime-node; with no adapter the SDK runs wasm and says why", async ({
  engineName,
  baseURL,
}) => {
  // WebGPU ships off in Firefox ESR on Linux and in WebKitGTK, and behind a flag in Chromium without a GPU:
  // a second browser with it switched on shows the detection and the fallback as a user who turned it on sees them.
  const engine = await launchEngine(engineName, { webgpu: true });
  try {
    const page = await open(engine, baseURL);
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return gpu ? (await gpu.requestAdapter().catch(() => null)) !== null : false;
    });
    const profile = ok(await page.evaluate(() => window.t.probe()));
    ok(await page.evaluate((o) => window.t.create('g', o), clientOptions({ backends: ['webgpu', 'wasm'] })));
    const run = await page.evaluate((x) => window.t.infer('g', 'mlp', { x }, { mode: 'local-only' }), X);
    recordCompat(engineName, {
      webgpuOn: !run.ok
        ? `fails: ${run.error.code}`
        : profile.webgpu.available
          ? `adapter${profile.webgpu.isFallbackAdapter ? ' (software)' : ''}; local run on ${run.value.route.backend}`
          : `no adapter (${profile.webgpu.reason}); local run on ${run.value.route.backend}`,
    });
    expect(profile.webgpu.available).toBe(adapter);
    if (!adapter) expect(profile.webgpu).toMatchObject({ available: false, reason: expect.stringMatching(/absent|no adapter/) });
    expect(ok(run).route).toMatchObject({ where: 'local', backend: adapter ? 'webgpu' : 'wasm' });
    expectClose(ok(run).outputs.y?.data, fixture.reference);
    await page.close();
  } finally {
    await engine.close();
  }
});

test.describe('against a real worker', () => {
  let worker: RunningWorker;
  test.beforeEach(async () => {
    worker = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir });
  });
  test.afterEach(async () => {
    await worker.close();
  });

  // One page for the cloud, fallback and offline steps: onnxruntime-web loads and compiles once.
  test('the cloud route answers with the same outputs; with the worker stopped prefer-cloud falls back to local; offline stays local', async ({
    engine,
    baseURL,
  }) => {
    const page = await open(engine, baseURL);
    ok(await page.evaluate((o) => window.t.create('c', o), clientOptions({ broker: `/cloud/${worker.port}` })));
    const cloud = await page.evaluate((x) => window.t.infer('c', 'mlp', { x }, { mode: 'cloud-only', latencyBudgetMs: 10_000 }), X);
    recordCompat(engine.name, { cloudRun: cloud.ok ? 'yes' : `fails: ${cloud.error.code}` });
    expect(ok(cloud).route).toMatchObject({ where: 'cloud', hardware: 'cpu' });
    expectClose(ok(cloud).outputs.y?.data, fixture.reference);

    await worker.close();
    const result = await page.evaluate((x) => window.t.infer('c', 'mlp', { x }, { mode: 'prefer-cloud', latencyBudgetMs: 10_000 }), X);
    recordCompat(engine.name, { fallback: result.ok && result.value.route.fallback ? `yes (${result.value.route.fallback.code})` : 'no' });
    expect(ok(result).route.where).toBe('local');
    expect(ok(result).route.fallback).toMatchObject({ from: 'cloud', code: 'UPSTREAM_FAILED' });
    expectClose(ok(result).outputs.y?.data, fixture.reference);

    if (!engine.can.offline) {
      recordCompat(engine.name, { offline: "not tested here: its WebDriver cannot cut the network (see the WebView host's offline row)" });
      return page.close();
    }
    // Offline, prefer-cloud is not even tried: the router sees navigator.onLine and stays on the device.
    await page.setOffline(true);
    try {
      await page.waitFor(() => navigator.onLine === false);
      const offline = await page.evaluate((x) => window.t.infer('c', 'mlp', { x }, { mode: 'prefer-cloud' }), X);
      recordCompat(engine.name, {
        offline: offline.ok && offline.value.route.where === 'local' ? 'yes' : `no: ${offline.ok ? offline.value.route.where : offline.error.code}`,
      });
      expect(ok(offline).route).toMatchObject({ where: 'local' });
      expect(ok(offline).route.reason).toMatch(/offline/);
      expectClose(ok(offline).outputs.y?.data, fixture.reference);
    } finally {
      await page.setOffline(false);
      await page.close();
    }
  });
});
