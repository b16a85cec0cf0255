// What a web app sees of the SDK, measured side by side in one run (headless Debian Chromium):
//   bundle        the SDK core's gzipped size
//   first-result  a model's first local result on a fresh page (a new, empty browser profile), then
//                 after a reload (model in the Cache API, runtime files in the HTTP cache), from
//                 navigation start. Each visit gets a profile on disk, as a user's browser has: an
//                 incognito context keeps no code caches, so it would not show what a reload gets.
//   cloud         the same cloud request (vision-s, binary tensors) to a real broker over a real worker,
//                 from the page (through the SDK, and with the page's own fetch) and from Node (plain
//                 fetch of the same body, and the SDK's cloud client), direct and through the page
//                 server's proxy, in alternating rounds. Every client encodes and decodes inside its
//                 time. "outside" = wall time less the queue and compute the server reported.
//   probe         the device probe's GFLOPS over fresh page loads (its spread decides routing stability)
// Run: node --conditions=source --import tsx apps/bench/src/sdk/first-result-bench.ts [--quick]
// Needs `npm run models`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBroker, readCatalog } from '@splitflow/broker';
import {
  BINARY_HEADER,
  type BrokerConfig,
  decodeInferResponse,
  encodeInferRequest,
  type NamedTensor,
  readRouteInfo,
  SPLITFLOW_PARAMS,
} from '@splitflow/contract';
import { startWorker } from '@splitflow/worker';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { measureBundle } from '../../../../packages/sdk/scripts/measure-bundle.js';
// An SDK internal, by path: the bench times the cloud client alone.
import { createCloudClient } from '../../../../packages/sdk/src/cloud/cloud-client.js';
import { describeMachine } from '../worker/machine.js';
import { table, writeReport } from '../worker/report.js';
import { round, summarize } from '../worker/stats.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vision-s' },
    loads: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '4' },
    runs: { type: 'string', default: '15' },
    probes: { type: 'string', default: '10' },
    dwell: { type: 'string', default: '3000' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: `${root}apps/bench/results` },
  },
});
const model = values.model as string;
const loads = values.quick ? 1 : Number(values.loads);
const rounds = values.quick ? 1 : Number(values.rounds);
const runs = values.quick ? 5 : Number(values.runs);
const probes = values.quick ? 3 : Number(values.probes);
// How long a first visit stays open after its result, as a user reading it, before the reload.
const dwellMs = Number(values.dwell);
// The small request beside the model's: the browser's fixed cost per request apart from its upload.
const SMALL_MODEL = 'tiny';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const log = (...a: unknown[]) => console.error('[first-result-bench]', ...a);
const ms = (v: number) => round(v, 1);

const report: Record<string, unknown> = {
  machine: describeMachine({
    browser: 'Debian chromium (headless), no WebGPU adapter',
    note: '2-core shared VM, busy with other work during the run',
    loadAverageAtStart: loadavg().map((v) => round(v, 1)),
  }),
};
const md: string[] = [
  '# SDK: first result, cloud path, bundle',
  '',
  `Machine: ${JSON.stringify(report.machine)}`,
  '',
  'The machine was shared with other jobs during the run (load average in the machine line): figures are noisy; ratios measured side by side in this run are the fair comparison.',
  '',
];

const b = await measureBundle();
report.bundle = { coreGzipBytes: b.coreGzipBytes, coreMinifiedBytes: b.coreMinifiedBytes, corePackages: b.corePackages.slice(0, 8) };
md.push('## Core bundle', '', `core: ${(b.coreGzipBytes / 1024).toFixed(1)} KiB gzipped, ${(b.coreMinifiedBytes / 1024).toFixed(0)} KiB minified`, '');
// Bundler-internal module ids start with a NUL byte; keep the report plain text.
const printable = (id: string) => id.replace(/\p{Cc}/gu, '');
md.push(
  table(
    ['package in core', 'source KiB'],
    b.corePackages.slice(0, 8).map(([p, n]) => [printable(p), (n / 1024).toFixed(1)]),
  ),
  '',
);

const config = `${root}apps/bench/src/sdk/vite.config.ts`;
await build({ configFile: config, logLevel: 'warn' });
const server = await preview({ configFile: config, preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
const pageUrl = server.resolvedUrls?.local[0] as string;
const origin = new URL(pageUrl).origin;
const worker = await startWorker({ catalog: `${root}models/catalog.json`, models: [model, SMALL_MODEL], logLevel: false });
const brokerConfig: BrokerConfig = {
  pools: [
    { name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', endpoints: [{ url: worker.url }], costPerHour: 0.1, maxConcurrency: 4, models: [model, SMALL_MODEL] },
  ],
  anonymous: { rateLimit: { requestsPerSecond: 10_000, burst: 10_000 }, maxConcurrency: 64 },
  cors: { origins: [origin] },
  jobs: { store: 'memory' },
  log: { level: 'silent' },
};
const broker = await buildBroker(brokerConfig, { catalog: await readCatalog(`${root}models/catalog.json`), healthChecks: false });
const brokerUrl = await broker.listen();
const brokerPort = new URL(brokerUrl).port;
const proxied = `${origin}/cloud/${brokerPort}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });

/** A closed browser may still be writing its profile's caches: retry, and leave the folder if it will not go. */
function removeProfile(profile: string): void {
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (error) {
    log('left', profile, (error as Error).message);
  }
}

/** Bytes of compiled wasm Chromium keeps in a profile (its code cache's entries, not its index). */
function wasmCodeCacheBytes(profile: string): number {
  const dir = join(profile, 'Default', 'Code Cache', 'wasm');
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (name !== 'index' && name !== 'the-real-index') bytes += s.size;
    }
  };
  try {
    walk(dir);
  } catch {
    return 0;
  }
  return bytes;
}

/**
 * One fresh profile's first visit and reload, with V8 printing every wasm function it compiles
 * (`--trace-wasm-compilation-times`, on Chromium's stdout, so this Chromium is started here and
 * driven over CDP): how many functions each load compiles with Liftoff (lazily, at their first call)
 * and with TurboFan (the hot ones, the only code V8 puts in the code cache), and when each result came.
 * Chromium's own caching settings; the trace is a few thousand lines per load.
 */
async function compileCounts(url: string) {
  const profile = mkdtempSync(join(tmpdir(), 'splitflow-first-result-'));
  const child = spawn(
    '/usr/bin/chromium',
    [...CHROMIUM_ARGS, '--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--js-flags=--trace-wasm-compilation-times', 'about:blank'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const counts = { liftoff: 0, turbofan: 0 };
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('using Liftoff')) counts.liftoff++;
    else if (line.includes('using TurboFan')) counts.turbofan++;
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Chromium did not open its DevTools endpoint')), 60_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });
  const cdp = await chromium.connectOverCDP(endpoint);
  const visits: { state: string; liftoff: number; turbofan: number; wasmCacheKiB: number; resultAtMs: number; runtimeMs: number }[] = [];
  try {
    const page = await (cdp.contexts()[0] ?? (await cdp.newContext())).newPage();
    await page.goto(url);
    for (const state of ['first visit', 'after reload']) {
      if (state === 'after reload') await page.reload();
      await page.waitForFunction(() => window.firstResult !== undefined, undefined, { timeout: 120_000 });
      const r = await page.evaluate(() => window.firstResult as NonNullable<typeof window.firstResult>);
      if (state === 'first visit') await page.waitForTimeout(dwellMs);
      // The trace's last lines may still be in the pipe.
      await new Promise((r) => setTimeout(r, 500));
      visits.push({
        state,
        ...counts,
        wasmCacheKiB: round(wasmCodeCacheBytes(profile) / 1024, 0),
        resultAtMs: ms(r.resultAtMs),
        runtimeMs: ms((r.timings as { runtimeMs?: number }).runtimeMs ?? 0),
      });
      counts.liftoff = 0;
      counts.turbofan = 0;
    }
  } finally {
    await cdp.close();
    child.kill();
    await new Promise((r) => child.once('exit', r));
    removeProfile(profile);
  }
  return visits;
}

async function freshPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.benchReady === true);
  return { context, page };
}

try {
  // First local result: fresh context (no HTTP cache, no Cache API), then a reload of the same page;
  // the page starts createClient and the run itself. Without and with `preload`, alternating, and a
  // third way that is no user's setting: Chromium told to cache compiled wasm as soon as any is
  // optimised (V8's --wasm-caching-timeout-ms=0), to show what a kept compile would save a reload.
  {
    const rows: (string | number)[][] = [];
    const WAYS = [
      { name: 'createClient, infer', preload: false, args: [] as string[] },
      { name: 'preload', preload: true, args: [] as string[] },
      { name: 'createClient, infer; wasm cached at once (V8 flag)', preload: false, args: ['--js-flags=--wasm-caching-timeout-ms=0'] },
    ];
    const data: { load: number; state: string; way: string; preload: boolean; resultAtMs: number; wasmCacheKiB: number }[] = [];
    for (let l = 0; l < loads; l++) {
      for (const { name: way, preload, args } of WAYS) {
        const profile = mkdtempSync(join(tmpdir(), 'splitflow-first-result-'));
        const context = await chromium.launchPersistentContext(profile, {
          executablePath: '/usr/bin/chromium',
          args: [...CHROMIUM_ARGS, ...args],
          headless: true,
        });
        const page = await context.newPage();
        await page.goto(`${pageUrl}?first=${encodeURIComponent(model)}&preload=${preload ? 1 : 0}`);
        for (const state of ['first visit', 'after reload']) {
          if (state === 'after reload') await page.reload();
          await page.waitForFunction(() => window.firstResult !== undefined);
          const r = await page.evaluate(() => window.firstResult as NonNullable<typeof window.firstResult>);
          // The first visit stays open with its client (and Worker) alive, past V8's caching timeout.
          if (state === 'first visit') await page.waitForTimeout(dwellMs);
          // What the profile's wasm code cache holds now is what the next load can use.
          const wasmCacheKiB = round(wasmCodeCacheBytes(profile) / 1024, 0);
          log('first-result', way, state, Math.round(r.resultAtMs), r.timings, 'wasm code cache KiB', wasmCacheKiB);
          data.push({ load: l, state, way, preload, wasmCacheKiB, ...r });
          const t = r.timings as { downloadMs?: number; runtimeMs?: number; compileMs?: number; computeMs?: number };
          rows.push([
            l,
            way,
            state,
            r.backend ?? '',
            ms(r.resultAtMs),
            ms(r.clientAtMs),
            ms(r.inferMs),
            ms(t.downloadMs ?? 0),
            ms(t.runtimeMs ?? 0),
            ms(t.compileMs ?? 0),
            ms(t.computeMs ?? 0),
            wasmCacheKiB,
          ]);
        }
        await context.close();
        removeProfile(profile);
      }
    }
    const med = (state: string, way: number) => summarize(data.filter((d) => d.state === state && d.way === WAYS[way]?.name).map((d) => d.resultAtMs)).p50;
    report.firstResult = {
      model,
      runs: data,
      p50FirstVisitMs: med('first visit', 0),
      p50AfterReloadMs: med('after reload', 0),
      preload: { p50FirstVisitMs: med('first visit', 1), p50AfterReloadMs: med('after reload', 1) },
      wasmCachedAtOnce: { p50FirstVisitMs: med('first visit', 2), p50AfterReloadMs: med('after reload', 2) },
    };
    md.push(`## ${model}: first local result, from navigation start (${loads} fresh browser profiles per way, each then reloaded; the ways alternate)`, '');
    md.push(
      'The page starts the work itself on load. "createClient, infer": `createClient(options)` then `infer`. "preload": the same with `preload: [model]`, so the files and the runtime start as soon as the catalog and the probe are in.',
      '',
    );
    md.push(
      `median, createClient then infer: first visit ${ms(med('first visit', 0))} ms, after reload ${ms(med('after reload', 0))} ms`,
      '',
      `median, with preload: first visit ${ms(med('first visit', 1))} ms, after reload ${ms(med('after reload', 1))} ms (targets 2400 and 1000)`,
      '',
      `median, createClient then infer with Chromium caching compiled wasm at once (a V8 flag, not a user's setting): first visit ${ms(med('first visit', 2))} ms, after reload ${ms(med('after reload', 2))} ms`,
      '',
    );
    md.push(
      `Columns: download (files, or the Cache API), runtime (the Worker, onnxruntime-web and its wasm, from the start of the download, beside it), compile (the session), first run, and the bytes of compiled wasm in the profile's code cache after the visit (0: Chromium kept none, so the next load compiles again). Each first visit stays open ${dwellMs} ms after its result, its client and Worker alive, before the reload (V8 writes the cache only once no new optimised code has come for 2 s).`,
      '',
    );
    md.push(
      table(
        [
          'load',
          'way',
          'state',
          'backend',
          'result at ms',
          'client ready at ms',
          'infer ms',
          'download ms',
          'runtime ms',
          'compile ms',
          'first run ms',
          'wasm code cache KiB after',
        ],
        rows,
      ),
      '',
    );
  }

  // What each load compiles: the reason a reload starts onnxruntime-web again.
  {
    const visits = await compileCounts(`${pageUrl}?first=${encodeURIComponent(model)}&preload=1`);
    log('wasm functions compiled', visits);
    report.wasmCompiles = { model, visits };
    md.push(
      `### wasm functions V8 compiled per load (${model}, preload; one fresh profile in a Chromium started without Playwright's launch flags, V8's trace on)`,
      '',
      "Liftoff compiles a function at its first call; TurboFan recompiles the hot ones. Chromium's code cache holds TurboFan code only, so every function that start-up runs once is compiled again on a load, unless V8 still holds the module compiled by an earlier load in the same renderer process.",
      '',
      table(
        ['state', 'Liftoff (lazy) functions', 'TurboFan functions', 'wasm code cache KiB after', 'result at ms', 'runtime ms'],
        visits.map((v) => [v.state, v.liftoff, v.turbofan, v.wasmCacheKiB, v.resultAtMs, v.runtimeMs]),
      ),
      '',
    );
  }

  // The cloud path, side by side.
  {
    const catalog = await readCatalog(`${root}models/catalog.json`);
    const inputsOf = (id: string): NamedTensor[] => {
      const manifest = catalog.models.find((m) => m.id === id);
      if (!manifest) throw new Error(`no model ${id}`);
      return manifest.inputs.map((spec) => {
        const shape = spec.shape.map((d) => (typeof d === 'number' ? d : (manifest.dimBounds?.[d]?.min ?? 1)));
        const n = shape.reduce((a, c) => a * c, 1);
        return { name: spec.name, datatype: 'FP32', shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01)) } as NamedTensor;
      });
    };
    const inputs = inputsOf(model);
    const smallInputs = inputsOf(SMALL_MODEL);
    const requestBytes = (xs: NamedTensor[]) => {
      const { body } = encodeInferRequest({ inputs: xs, parameters: { [SPLITFLOW_PARAMS.deadlineMs]: 20_000 }, binary: 65536 });
      return typeof body === 'string' ? body.length : body.byteLength;
    };
    const nodeFetch = async (base: string, id = model, xs = inputs) => {
      const t = performance.now();
      const encoded = encodeInferRequest({ inputs: xs, parameters: { [SPLITFLOW_PARAMS.deadlineMs]: 20_000 }, binary: 65536 });
      const response = await fetch(`${base}/v2/models/${id}/infer`, { method: 'POST', body: encoded.body as BodyInit, headers: encoded.headers });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const info = readRouteInfo(decodeInferResponse(bytes, response.headers.get(BINARY_HEADER)).response.parameters);
      const wall = performance.now() - t;
      return { wall, server: ((info.queueUs ?? 0) + (info.computeUs ?? 0)) / 1000 };
    };
    const nodeSdk = createCloudClient({ url: brokerUrl });
    const nodeSdkRun = async () => {
      const t = performance.now();
      const r = await nodeSdk.infer(model, inputs, { budgetMs: 20_000 });
      return { wall: performance.now() - t, server: ((r.info.queueUs ?? 0) + (r.info.computeUs ?? 0)) / 1000 };
    };
    const { context, page } = await freshPage();
    const paths: Record<string, { wall: number[]; outside: number[] }> = {};
    const browserParts: Record<string, Record<string, number[]>> = {};
    const add = (name: string, wall: number[], server: number[]) => {
      paths[name] ??= { wall: [], outside: [] };
      paths[name].wall.push(...wall);
      paths[name].outside.push(...wall.map((w, i) => w - (server[i] ?? 0)));
    };
    const addParts = (name: string, parts: Record<string, number[]>) => {
      browserParts[name] ??= {};
      for (const [k, v] of Object.entries(parts)) {
        browserParts[name][k] ??= [];
        browserParts[name][k].push(...v);
      }
    };
    for (let r = 0; r < rounds; r++) {
      log('cloud round', r);
      const proxiedSdk = await page.evaluate(([m, url, n]) => window.bench.cloudRuns(m as string, url as string, n as number, 3), [
        model,
        `/cloud/${brokerPort}`,
        runs,
      ] as const);
      add('browser SDK via page proxy', proxiedSdk.wall, proxiedSdk.server);
      addParts('browser SDK via page proxy', proxiedSdk.parts);
      // The SDK and the page's own fetch take turns request by request: the pair is the fair comparison.
      const pair = await page.evaluate(([m, url, n]) => window.bench.cloudPairs(m as string, url as string, n as number, 3), [model, brokerUrl, runs] as const);
      add('browser SDK direct (CORS)', pair.sdk.wall, pair.sdk.server);
      addParts('browser SDK direct (CORS)', pair.sdk.parts);
      add('browser fetch direct (CORS), no SDK, Blob body', pair.fetch.wall, pair.fetch.server);
      addParts('browser fetch direct (CORS), no SDK, Blob body', pair.fetch.parts);
      const small = await page.evaluate(([m, url, n]) => window.bench.fetchRuns(m as string, url as string, n as number, 3), [
        SMALL_MODEL,
        brokerUrl,
        runs,
      ] as const);
      add(`browser fetch direct (CORS), no SDK, ${SMALL_MODEL}`, small.wall, small.server);
      addParts(`browser fetch direct (CORS), no SDK, ${SMALL_MODEL}`, small.parts);
      for (const [name, run] of [
        ['Node fetch direct', () => nodeFetch(brokerUrl)],
        ['Node fetch via page proxy', () => nodeFetch(proxied)],
        ['Node SDK cloud client direct', nodeSdkRun],
        [`Node fetch direct, ${SMALL_MODEL}`, () => nodeFetch(brokerUrl, SMALL_MODEL, smallInputs)],
      ] as const) {
        for (let i = 0; i < 3; i++) await run();
        const wall: number[] = [];
        const srv: number[] = [];
        for (let i = 0; i < runs; i++) {
          const x = await run();
          wall.push(x.wall);
          srv.push(x.server);
        }
        add(name, wall, srv);
      }
    }
    await context.close();
    const summary = Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, { wall: summarize(v.wall), outside: summarize(v.outside) }]));
    const nodeOutside = summary['Node fetch direct']?.outside.p50 ?? Number.NaN;
    const nodeSmallOutside = summary[`Node fetch direct, ${SMALL_MODEL}`]?.outside.p50 ?? Number.NaN;
    const partsSummary = Object.fromEntries(
      Object.entries(browserParts).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([p, xs]) => [p, summarize(xs).p50]))]),
    );
    const bytes = { [model]: requestBytes(inputs), [SMALL_MODEL]: requestBytes(smallInputs) };
    report.cloud = { model, smallModel: SMALL_MODEL, requestBytes: bytes, rounds, runsPerRound: runs, summary, browserPartsP50: partsSummary };
    md.push(`## ${model} through the broker on loopback (${rounds} alternating rounds of ${runs} runs after 3 warm-up)`, '');
    md.push(
      "In each round the browser SDK direct and the page's own fetch of the same request take turns request by request (each goes first every other time); the other clients run in blocks.",
      '',
    );
    md.push(
      `Requests: ${model} ${bytes[model]} bytes (binary tensors), ${SMALL_MODEL} ${bytes[SMALL_MODEL]} bytes, the same for every client. The broker answers CORS with Access-Control-Max-Age 600 (one preflight per 10 minutes) and Timing-Allow-Origin, so the page's Resource Timing of a cross-origin request has its phases.`,
      '',
      table(
        ['client', 'wall p50 ms', 'wall p90 ms', 'outside the server p50 ms', 'outside, vs Node fetch direct (same request) p50 ms'],
        Object.entries(summary).map(([k, v]) => [
          k,
          ms(v.wall.p50),
          ms(v.wall.p90),
          ms(v.outside.p50),
          ms(v.outside.p50 - (k.endsWith(SMALL_MODEL) ? nodeSmallOutside : nodeOutside)),
        ]),
      ),
      '',
      "Where the browser's wall time goes (p50 of each part, Resource Timing of the infer request; the parts' medians need not add up): before the fetch starts (SDK work, encoding), fetch start to request start (preflight cache, connection, the browser's queue), request start to first byte (the upload and the server), the response body, after it (decoding, SDK work).",
      '',
      table(
        [
          'client',
          'SDK routing ms',
          'before the fetch ms',
          'fetch start to request start ms',
          'request start to first byte ms',
          'response body ms',
          'after the response ms',
        ],
        Object.entries(partsSummary).map(([k, v]) => [
          k,
          v.routeMs === undefined ? '' : ms(v.routeMs),
          ms(v.beforeRequest ?? Number.NaN),
          ms(v.connection ?? Number.NaN),
          ms(v.toFirstByte ?? Number.NaN),
          ms(v.responseBody ?? Number.NaN),
          ms(v.afterResponse ?? Number.NaN),
        ]),
      ),
      '',
    );
  }

  // The device probe over fresh page loads.
  {
    const gflops: number[] = [];
    for (let p = 0; p < probes; p++) {
      const { context, page } = await freshPage();
      gflops.push(await page.evaluate(() => window.bench.probe()));
      await context.close();
    }
    const s = summarize(gflops);
    const spread = Math.max(...gflops) / Math.min(...gflops);
    report.probe = { gflops, spread };
    md.push(`## Device probe over ${probes} fresh page loads`, '');
    md.push(`GFLOPS min ${ms(Math.min(...gflops))}, median ${ms(s.p50)}, max ${ms(Math.max(...gflops))}; max/min ${round(spread, 2)} (target within 2)`, '');
  }
} finally {
  await browser.close();
  await broker.close();
  await worker.close();
  await new Promise<void>((r) => server.httpServer.close(() => r()));
}

(report.machine as Record<string, unknown>).loadAverageAtEnd = loadavg().map((v) => round(v, 1));
md.push(
  `Load average (1, 5, 15 min) at the end: ${loadavg()
    .map((v) => v.toFixed(1))
    .join(', ')}`,
  '',
);
const files = writeReport(values.out as string, 'sdk-first-result', report, md.join('\n'));
console.log(md.join('\n'));
log('wrote', files.join(', '));
