// SDK benchmarks in headless Chromium (Debian's), against a real worker on loopback:
//   overhead    client.infer on the local route vs onnxruntime-web directly in the same kind of Worker
//   cold-warm   time to first result: empty cache, warm Cache API, warm session
//   router      over emulated networks (CDP) and two device speeds (wasm; WebGPU on SwiftShader, a
//               slow software GPU), how often the route the router picked was the faster one in
//               hindsight (both routes are run and timed). CDP's CPU throttling was tried first: it
//               does not slow dedicated Workers, where the SDK runs models, so it cannot stand in for a
//               slow device.
//   bundle      the SDK core's gzipped size (runtimes are lazy chunks)
// Run: node --conditions=source --import tsx apps/bench/src/sdk/sdk-bench.ts [--quick] [--models tiny,vision-s]
// Needs `npm run models`. Figures on a shared 2-core machine are noisy; rerun for final numbers.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LocalBackend } from '@splitflow/sdk';
import { startWorker } from '@splitflow/worker';
import { chromium, type Page } from 'playwright-core';
import { build, preview } from 'vite';
import { measureBundle } from '../../../../packages/sdk/scripts/measure-bundle.js';
import { describeMachine } from '../worker/machine.js';
import { table, writeReport } from '../worker/report.js';
import { round, summarize } from '../worker/stats.js';
import { NETWORK_CONDITIONS } from './networks.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny,vision-s' },
    iterations: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    trials: { type: 'string', default: '5' },
    networks: { type: 'string', default: 'offline,3g,4g,wifi,lan' },
    devices: { type: 'string', default: 'wasm,swiftshader' },
    only: { type: 'string', default: 'bundle,overhead,cold-warm,router' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: `${root}apps/bench/results` },
  },
});
const models = (values.models as string).split(',');
const only = new Set((values.only as string).split(','));
const iterations = values.quick ? 40 : Number(values.iterations);
const warmup = values.quick ? 5 : Number(values.warmup);
const trials = values.quick ? 3 : Number(values.trials);
// --enable-unsafe-webgpu gives SwiftShader's software adapter: the benchmark's slow device.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
const DEVICES: Record<string, LocalBackend[]> = { wasm: ['wasm'], swiftshader: ['webgpu'] };
const log = (...a: unknown[]) => console.error('[sdk-bench]', ...a);

const report: Record<string, unknown> = { machine: describeMachine({ browser: 'Debian chromium (headless)', note: 'shared 2-core machine; noisy' }) };
const md: string[] = ['# SDK benchmarks', '', `Machine: ${JSON.stringify(report.machine)}`, ''];

if (only.has('bundle')) {
  const b = await measureBundle();
  report.bundle = {
    coreGzipBytes: b.coreGzipBytes,
    coreMinifiedBytes: b.coreMinifiedBytes,
    budgetGzipBytes: 48 * 1024,
    corePackages: b.corePackages,
    lazy: b.lazy,
  };
  md.push(
    '## Bundle (core, without runtimes)',
    '',
    `core: ${(b.coreGzipBytes / 1024).toFixed(1)} KiB gzipped (${(b.coreMinifiedBytes / 1024).toFixed(0)} KiB minified); budget 48 KiB`,
    '',
  );
  md.push(
    table(
      ['lazy chunk', 'runtime', 'JS gzip KiB', 'inlined wasm MB (a file in app builds)'],
      b.lazy.map((c) => [c.file, c.runtime, (c.gzipBytes / 1024).toFixed(1), (c.inlinedAssetBytes / 1e6).toFixed(1)]),
    ),
    '',
  );
  log('bundle', b.coreGzipBytes);
}

const config = `${root}apps/bench/src/sdk/vite.config.ts`;
await build({ configFile: config, logLevel: 'warn' });
const server = await preview({ configFile: config, preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
const url = server.resolvedUrls?.local[0] as string;
const worker = await startWorker({ catalog: `${root}models/catalog.json`, models, logLevel: false });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true);
  return page;
}

try {
  if (only.has('overhead')) {
    const page = await openPage();
    const rows: (string | number)[][] = [];
    const data: unknown[] = [];
    for (const model of models) {
      log('overhead', model);
      const r = await page.evaluate(([m, n, w]) => window.bench.overhead(m as string, n as number, w as number), [model, iterations, warmup] as const);
      const sdk = summarize(r.sdk);
      const direct = summarize(r.direct);
      data.push({ model, sdk, direct, inputBytes: r.inputBytes, backend: r.backend, crossOriginIsolated: r.crossOriginIsolated });
      rows.push([model, r.backend, r.inputBytes, round(direct.p50), round(sdk.p50), round(sdk.p50 - direct.p50), round(direct.p90), round(sdk.p90)]);
    }
    report.overhead = data;
    md.push(`## SDK overhead, local route (${iterations} runs after ${warmup} warm-up, alternating)`, '');
    md.push(table(['model', 'backend', 'input bytes', 'direct p50 ms', 'sdk p50 ms', 'overhead p50 ms', 'direct p90 ms', 'sdk p90 ms'], rows), '');
    await page.close();
  }

  if (only.has('cold-warm')) {
    const page = await openPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const rows: (string | number)[][] = [];
    const data: unknown[] = [];
    for (const model of models) {
      log('cold-warm', model);
      // First visit: no Cache API entry and no HTTP cache (the runtime's wasm is fetched too).
      await cdp.send('Network.clearBrowserCache');
      const r = await page.evaluate((m) => window.bench.coldWarm(m), model);
      data.push({ model, ...r });
      for (const [name, x] of Object.entries(r)) {
        const t = x.timings as { downloadMs?: number; compileMs?: number; computeMs?: number };
        rows.push([
          model,
          name,
          round(x.createMs, 1),
          round(x.firstMs, 1),
          round(t.downloadMs ?? 0, 1),
          round(t.compileMs ?? 0, 1),
          round(t.computeMs ?? 0, 1),
        ]);
      }
    }
    report.coldWarm = data;
    md.push('## Cold vs warm (time to first result, local route)', '');
    md.push(table(['model', 'state', 'createClient ms', 'first infer ms', 'download ms', 'compile ms', 'run ms'], rows), '');
    await page.close();
  }

  if (only.has('router')) {
    const rows: (string | number)[][] = [];
    const data: unknown[] = [];
    let right = 0;
    let rightTol = 0;
    let total = 0;
    for (const device of (values.devices as string).split(',')) {
      const backends = DEVICES[device];
      if (!backends) throw new Error(`unknown device ${device}`);
      const page = await openPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      for (const model of models) {
        const id = `${model}@${device}`;
        await page.evaluate(([i, b, d]) => window.bench.routerClient(i as string, b as string, d as LocalBackend[]), [
          id,
          `/cloud/${worker.port}`,
          backends,
        ] as const);
        for (const net of (values.networks as string).split(',')) {
          const condition = NETWORK_CONDITIONS[net];
          if (!condition) throw new Error(`unknown network ${net}`);
          await cdp.send('Network.emulateNetworkConditions', condition);
          const probed = await page.evaluate((i) => window.bench.refresh(i), id);
          log('router', { device, model, net });
          const results = [];
          for (let k = 0; k < trials + 2; k++) {
            const r = await page.evaluate(([i, m]) => window.bench.trial(i as string, m as string), [id, model] as const);
            if (k >= 2) results.push(r); // the first two seed the live estimates under this condition
            log('  trial', k, r.chosen, Math.round(r.chosenMs), Math.round(r.otherMs), r.otherError ?? '');
          }
          // A failed chosen route is never right, even when the other failed too.
          const ok = results.filter((r) => Number.isFinite(r.chosenMs) && r.chosenMs <= r.otherMs).length;
          const tol = results.filter((r) => Number.isFinite(r.chosenMs) && r.chosenMs <= r.otherMs * 1.1).length;
          right += ok;
          rightTol += tol;
          total += results.length;
          const p50 = (xs: number[]) => summarize(xs).p50;
          data.push({ device, model, net, probedNetwork: probed.network, results });
          rows.push([
            device,
            model,
            net,
            results.map((r) => r.chosen[0]).join(''),
            round(p50(results.map((r) => r.chosenMs)), 1),
            round(p50(results.map((r) => r.otherMs)), 1),
            `${ok}/${results.length}`,
            `${tol}/${results.length}`,
          ]);
        }
        await page.evaluate((i) => window.bench.dispose(i), id);
      }
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page.close();
    }
    report.router = { trials: data, right, rightWithin10Percent: rightTol, total, share: right / Math.max(1, total) };
    md.push(`## Router quality (${trials} trials per cell after 2 seeding trials; both routes run)`, '');
    md.push(
      `Picked the faster route in hindsight: ${right}/${total} (${((100 * right) / Math.max(1, total)).toFixed(0)}%); counting choices within 10% of the faster as right: ${rightTol}/${total} (${((100 * rightTol) / Math.max(1, total)).toFixed(0)}%).`,
      '',
    );
    md.push(table(['device', 'model', 'network', 'choices (l/c)', 'chosen p50 ms', 'other p50 ms', 'faster', 'within 10%'], rows), '');
  }
} finally {
  await browser.close();
  await worker.close();
  await new Promise<void>((r) => server.httpServer.close(() => r()));
}

const files = writeReport(values.out as string, 'sdk', report, md.join('\n'));
console.log(md.join('\n'));
log('wrote', files.join(', '));
