import { expect, type Frame, test } from '@playwright/test';
import { type Broker, buildBroker } from '@splitflow/broker';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { type RunningWorker, startWorker } from '@splitflow/worker';
import { CHROMIUM_ARGS } from '../../../playwright.config.js';
import { clientOptions, expectClose, type Fixture, makeFixture, ok, X } from './fixture.js';

// The SDK inside a sandboxed iframe (no allow-same-origin): an opaque origin, where reading
// `globalThis.caches` throws a SecurityError and module Workers of the server's origin cannot start.
// The test page is served to the iframe as cross-origin resources (Origin: null), so the test adds
// `Access-Control-Allow-Origin: *` to the dev server's answers, as a CDN would send. The broker is a
// real one on loopback whose CORS config admits "null".

// Chromium's Local Network Access checks treat an opaque origin as public and block its requests to
// loopback, where this test's broker listens (a deployed broker is not on loopback).
test.use({ launchOptions: { executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'] } });

let fixture: Fixture;
let worker: RunningWorker;
let broker: Broker;
let brokerUrl: string;

test.beforeAll(async () => {
  fixture = await makeFixture();
  worker = await startWorker({ catalog: fixture.catalogPath, modelDir: fixture.dir, logLevel: false });
  broker = await buildBroker(
    {
      pools: [cpuPool(worker.url, ['mlp'])],
      anonymous: {},
      cors: { origins: ['null'] },
      jobs: { store: 'memory' },
      log: { level: 'error' },
    },
    { catalog: fixture.catalog },
  );
  brokerUrl = await broker.listen({ host: '127.0.0.1', port: 0 });
});
test.afterAll(async () => {
  await broker?.close();
  await worker?.close();
});

test('in a sandboxed iframe the SDK runs locally without the Cache API and reaches a broker that admits origin null', async ({ page, baseURL }) => {
  const origin = new URL(baseURL as string).origin;
  await page.route(`${origin}/opaque-host.html`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><iframe sandbox="allow-scripts" src="/index.html"></iframe>' }),
  );
  await page.route(
    (url) => url.origin === origin && url.pathname !== '/opaque-host.html',
    async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'access-control-allow-origin': '*' } });
    },
  );
  await page.goto('/opaque-host.html');
  let frame: Frame | undefined;
  await expect
    .poll(async () => {
      frame = page.frames().find((f) => f !== page.mainFrame());
      return frame ? await frame.evaluate(() => window.sdkReady === true).catch(() => false) : false;
    })
    .toBe(true);
  const inside = frame as Frame;
  expect(await inside.evaluate(() => origin)).toBe('null');
  expect(
    await inside.evaluate(() => {
      try {
        return typeof globalThis.caches;
      } catch (error) {
        return (error as Error).name;
      }
    }),
  ).toBe('SecurityError');

  ok(await inside.evaluate((o) => window.t.create('opaque', o), clientOptions(fixture.catalogUrl, { broker: brokerUrl })));
  const local = ok(await inside.evaluate((x) => window.t.infer('opaque', 'mlp', { x }, { mode: 'local-only' }), X));
  expect(local.route.where).toBe('local');
  expectClose(local.outputs.y?.data, fixture.reference);
  const cloud = ok(await inside.evaluate((x) => window.t.infer('opaque', 'mlp', { x }, { mode: 'cloud-only', latencyBudgetMs: 10_000 }), X));
  expect(cloud.route).toMatchObject({ where: 'cloud', pool: 'cpu' });
  expectClose(cloud.outputs.y?.data, fixture.reference);
  ok(await inside.evaluate(() => window.t.dispose('opaque')));
});
