import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { freePort } from '@splitflow/test-fixtures/free-port';
import { type Child, startCli } from '@splitflow/test-fixtures/processes';
import * as ort from 'onnxruntime-node';
import { run, type Server, start } from './run-command.js';

// The SDK as a web developer meets it: the publishable packages packed with `npm pack`, a new Vite app
// (create-vite's vanilla-ts template) in a folder outside this repository, the tarballs installed with
// npm (everything else from the registry), the app built with its own `tsc && vite build` and served
// by `vite preview`, cross-origin isolated. The app's files are the SDK README's ("Use it in your
// app", kept equal by src/readme-snippets.test.ts). In Chromium the page runs `tiny` locally and
// `vision-s` through a broker and a worker started from the installed CLIs; the outputs must equal
// onnxruntime-node's on the same inputs. The same install then builds a webpack 5 app
// (examples/webpack-app, the README's "Other bundlers") and a Next.js app as a static export
// (examples/next-app), each of which runs `tiny` on the device.

const repo = resolve(import.meta.dirname, '../../..');
const example = join(repo, 'packages/sdk/examples/vite-app');
const PACKAGES = ['contract', 'oip-grpc', 'server-kit', 'sdk', 'worker', 'broker'];

// The inputs of examples/vite-app/src/main.ts.
const FEATURES = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
const IMAGE = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => (i % 251) / 251);

interface Summary {
  where: string;
  backend?: string;
  pool?: string;
  reason: string;
  logits: number[];
}

let dir: string;
let app: string;
let worker: Child | undefined;
let broker: Child | undefined;
let preview: Server | undefined;
let pageUrl: string;

async function reference(model: string, input: string, data: Float32Array, shape: number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(join(repo, 'models/build', model, 'model.onnx'));
  const out = await session.run({ [input]: new ort.Tensor('float32', data, shape) });
  await session.release();
  return Array.from((out.logits as ort.Tensor).data as Float32Array);
}

function expectClose(got: number[], want: number[]): void {
  expect(got).toHaveLength(want.length);
  const worst = Math.max(...want.map((w, i) => Math.abs((got[i] as number) - w) / Math.max(1, Math.abs(w))));
  expect(worst).toBeLessThan(1e-4);
}

test.describe.configure({ mode: 'serial' });

const started = Date.now();
const step = (what: string) => console.log(`consumer: ${what} (${((Date.now() - started) / 1000).toFixed(0)} s)`);

// Installing the tarballs unpacks onnxruntime-node and -web and tfjs from npm's cache: most of the time.
test.beforeAll(async () => {
  test.setTimeout(2_400_000);
  dir = await mkdtemp(join(tmpdir(), 'splitflow-consumer-'));
  const packs = join(dir, 'packs');
  await mkdir(packs);
  // `prepack` builds each package; the tarballs are what `npm publish` would upload.
  step('npm pack');
  await run('npm', ['pack', '--silent', '--pack-destination', packs, ...PACKAGES.flatMap((p) => ['-w', `@splitflow/${p}`])], { cwd: repo });
  const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
  expect(tarballs).toHaveLength(PACKAGES.length);

  step('create-vite');
  await run(process.execPath, [join(repo, 'node_modules/create-vite/index.js'), 'app', '--template', 'vanilla-ts', '--no-interactive', '--no-immediate'], {
    cwd: dir,
  });
  app = join(dir, 'app');
  await rm(join(app, 'src'), { recursive: true });
  await cp(join(example, 'src'), join(app, 'src'), { recursive: true });
  await cp(join(example, 'index.html'), join(app, 'index.html'));
  await cp(join(example, 'vite.config.ts'), join(app, 'vite.config.ts'));
  // The model catalog and the one model the page runs locally, as static files of the app.
  await mkdir(join(app, 'public/models'), { recursive: true });
  await cp(join(repo, 'models/catalog.json'), join(app, 'public/models/catalog.json'));
  await cp(join(repo, 'models/build/tiny'), join(app, 'public/models/tiny'), { recursive: true });

  // The README's `npm install @splitflow/sdk` (and the servers' packages), from the tarballs: nothing
  // of this repository's node_modules is reachable from the app's folder.
  step('npm install');
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app, env: { ONNXRUNTIME_NODE_INSTALL: 'skip' } });

  const bin = (name: string) => join(app, 'node_modules/.bin', name);
  step('worker and broker from the installed CLIs');
  worker = await startCli(bin('splitflow-worker'), [
    '--models',
    join(repo, 'models/catalog.json'),
    '--serve',
    'vision-s',
    '--port',
    '0',
    '--log-level',
    'warn',
  ]);
  const previewPort = await freePort();
  const origin = `http://127.0.0.1:${previewPort}`;
  const brokerConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    catalog: join(repo, 'models/catalog.json'),
    pools: [
      {
        name: 'local-cpu',
        hardware: 'cpu',
        protocol: 'oip-v2',
        endpoints: [{ url: worker.url, kind: 'worker' }],
        costPerHour: 0.1,
        maxConcurrency: 4,
        models: ['vision-s'],
      },
    ],
    anonymous: { rateLimit: { requestsPerSecond: 100, burst: 100 }, maxConcurrency: 8 },
    cors: { origins: [origin] },
    jobs: { store: 'memory' },
    log: { level: 'warn' },
  };
  await writeFile(join(dir, 'broker.yaml'), JSON.stringify(brokerConfig, null, 2));
  broker = await startCli(bin('splitflow-broker'), ['--config', join(dir, 'broker.yaml')]);

  step('npm run build');
  await run('npm', ['run', 'build'], { cwd: app, env: { VITE_SPLITFLOW_BROKER: broker.url } });
  preview = await start(bin('vite'), ['preview', '--host', '127.0.0.1', '--port', String(previewPort), '--strictPort'], {
    cwd: app,
    readyUrl: `${origin}/`,
  });
  pageUrl = `${origin}/`;
  step('ready');
});

test.afterAll(async () => {
  await Promise.all([preview?.stop(), broker?.stop(), worker?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the packed SDK in a Vite app: tiny on the device, vision-s through the packed broker and worker', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  const response = await page.goto(pageUrl);
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  await expect(page.locator('#app')).toHaveAttribute('data-state', /done|failed/, { timeout: 120_000 });
  const text = (await page.locator('#app').textContent()) ?? '';
  expect(await page.locator('#app').getAttribute('data-state'), text).toBe('done');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const { local, cloud } = JSON.parse(text) as { local: Summary; cloud: Summary };

  expect(local).toMatchObject({ where: 'local', backend: 'wasm' });
  expectClose(local.logits, await reference('tiny', 'features', FEATURES, [1, 64]));
  expect(cloud).toMatchObject({ where: 'cloud', pool: 'local-cpu' });
  expectClose(cloud.logits, await reference('vision-s', 'image', IMAGE, [1, 3, 224, 224]));
  // The runtime ran in the SDK's module Worker, a chunk of its own.
  expect(workers.some((u) => /worker-entry.*\.js$/.test(u))).toBe(true);
});

test('the build keeps onnxruntime-web and tfjs out of the page and the Worker entry: lazy chunks', async () => {
  const assets = join(app, 'dist/assets');
  const files = await readdir(assets);
  const code = new Map<string, string>();
  for (const f of files.filter((f) => f.endsWith('.js'))) code.set(f, await readFile(join(assets, f), 'utf8'));
  const entry = [...code].find(([f]) => f.startsWith('index-'))?.[1];
  const workerEntry = [...code].find(([f]) => f.startsWith('worker-entry'))?.[1];
  // onnxruntime-web's loader names its wasm files; only its own lazy chunk may hold it.
  const ortChunks = [...code].filter(([, c]) => c.includes('ort-wasm')).map(([f]) => f);
  expect(entry).toBeDefined();
  expect(workerEntry).toBeDefined();
  expect(ortChunks.length).toBeGreaterThan(0);
  expect(ortChunks.some((f) => f.startsWith('index-') || f.startsWith('worker-entry'))).toBe(false);
  // With Vite's default worker format (iife) both runtimes would be inlined here: megabytes.
  expect(Buffer.byteLength(workerEntry as string)).toBeLessThan(50 * 1024);
  expect(files.some((f) => f.endsWith('.wasm'))).toBe(true);
});

/** Serves `root` as a production server would: files only, both cross-origin isolation headers. */
async function serveStatic(root: string): Promise<{ url: string; server: HttpServer }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
  };
  const server = createHttpServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    const isFile =
      file.startsWith(root) &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ));
    if (!isFile) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, server };
}

/**
 * The webpack and Next.js pages' check: the page at `url` ends `done`, cross-origin isolated, with
 * `tiny` run in the SDK's Worker, equal to onnxruntime-node's logits.
 */
async function expectTinyInWorker(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('#app')).toHaveAttribute('data-state', /done|failed/, { timeout: 120_000 });
  const text = (await page.locator('#app').textContent()) ?? '';
  expect(await page.locator('#app').getAttribute('data-state'), text).toBe('done');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const local = JSON.parse(text) as Summary & { thread: string };
  expect(local).toMatchObject({ where: 'local', backend: 'wasm', thread: 'worker' });
  expectClose(local.logits, await reference('tiny', 'features', FEATURES, [1, 64]));
}

test('the packed SDK in a webpack 5 app: tiny on the device, in the SDK Worker, runtimes in lazy chunks', async ({ page }) => {
  test.setTimeout(1_200_000);
  const wp = join(dir, 'webpack-app');
  await cp(join(repo, 'packages/sdk/examples/webpack-app'), wp, { recursive: true });
  // The same installed tarballs as the Vite app, plus webpack from the registry.
  await symlink(join(app, 'node_modules'), join(wp, 'node_modules'), 'dir');
  step('npm install webpack');
  await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', 'webpack@5', 'webpack-cli@6'], {
    cwd: app,
    env: { ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  step('webpack build');
  await run('npm', ['run', 'build'], { cwd: wp });
  step('webpack build done');
  const dist = join(wp, 'dist');
  await cp(join(wp, 'public/index.html'), join(dist, 'index.html'));
  await mkdir(join(dist, 'models'), { recursive: true });
  await cp(join(repo, 'models/catalog.json'), join(dist, 'models/catalog.json'));
  await cp(join(repo, 'models/build/tiny'), join(dist, 'models/tiny'), { recursive: true });
  const files = await readdir(dist);
  // The page's entry holds neither runtime; onnxruntime-web's wasm is an asset of its own.
  const entry = await readFile(join(dist, 'main.js'), 'utf8');
  expect(entry).not.toContain('ort-wasm');
  expect(files.some((f) => f.endsWith('.wasm'))).toBe(true);

  const { url, server } = await serveStatic(dist);
  try {
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await expectTinyInWorker(page, url);
    expect(workers.some((u) => /splitflow-runtime.*\.js$/.test(u))).toBe(true);
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
  }
});

test('the packed SDK in a Next.js app (static export): tiny on the device, in the SDK Worker', async ({ page }) => {
  test.setTimeout(1_200_000);
  // Inside the Vite app's folder, so it resolves the same installed tarballs (Turbopack follows no
  // symlink out of its project's root), plus Next.js and React from the registry.
  const next = join(app, 'next-app');
  await cp(join(repo, 'packages/sdk/examples/next-app'), next, { recursive: true });
  step('npm install next');
  await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', 'next@16', 'react@19', 'react-dom@19'], {
    cwd: app,
    env: { ONNXRUNTIME_NODE_INSTALL: 'skip', NEXT_TELEMETRY_DISABLED: '1' },
  });
  step('next build');
  await run('npm', ['run', 'build'], { cwd: next, env: { NEXT_TELEMETRY_DISABLED: '1' } });
  step('next build done');
  const out = join(next, 'out');
  await mkdir(join(out, 'models'), { recursive: true });
  await cp(join(repo, 'models/catalog.json'), join(out, 'models/catalog.json'));
  await cp(join(repo, 'models/build/tiny'), join(out, 'models/tiny'), { recursive: true });

  const { url, server } = await serveStatic(out);
  try {
    await expectTinyInWorker(page, url);
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
  }
});

test('the tarballs hold the built files, the licence and no tests, fixtures or build info', async () => {
  for (const tarball of await readdir(join(dir, 'packs'))) {
    const list = await run('tar', ['-tzf', join(dir, 'packs', tarball)], { cwd: dir });
    for (const file of ['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/index.js.map', 'package/LICENSE', 'package/README.md']) {
      expect(list, tarball).toContain(file);
    }
    expect(list, tarball).not.toMatch(/\.test\.|\/testing\/|\/test\/|tsbuildinfo/);
  }
});
