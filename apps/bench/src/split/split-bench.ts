// Split bench, Neurosurgeon-style: for each model with kept cuts, each device and each network, the
// same inputs run all on the device, all in the cloud, at every kept cut in every allowed encoding,
// and as the router chooses (auto). The device is @splitflow/sdk in this process; the cloud is a
// real broker and CPU worker (child processes on loopback) behind a TCP proxy that shapes each
// connection to the network's RTT and up/down bandwidth. Routes are interleaved round by round.
//
// Run: npm run bench:split -w @splitflow/bench [-- --models tiny --networks wifi --devices wasm-1t --rounds 3]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bindInputs, type CutEncoding, evalTerms, type ModelCatalog, type ModelManifest, type NamedTensor, type Tensor } from '@splitflow/contract';
import { createClient, type InferOptions, type InferResult, type SplitflowClient } from '@splitflow/sdk';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { startBrokerInFront, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { renderText } from '@splitflow/test-fixtures/render-text';
import { startStaticServer } from '@splitflow/test-fixtures/static-server';
import { writeNchw } from '../../../../packages/sdk/src/tasks/image/rgba-image.js';
import { describeMachine } from '../worker/machine.js';
import { makeInputs } from '../worker/manifest-inputs.js';
import { writeReport } from '../worker/report.js';
import { round } from '../worker/stats.js';
import { type BrowserDevice, type BrowserDeviceSpec, startBrowserDevice } from './browser-device.js';
import { SPLIT_NETWORKS } from './network-profiles.js';
import { ortNodeDevice } from './ort-node-device.js';
import { startShapedLink } from './shaped-link.js';
import { type Cell, mergeReports, type RouteSample, renderSplitReport, type SplitReportData, summariseCell } from './split-report.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny,ocr-cls,ocr-rec,vision-s,ocr-det' },
    devices: { type: 'string', default: 'ort-node-1t,wasm-1t' },
    networks: { type: 'string', default: Object.keys(SPLIT_NETWORKS).join(',') },
    rounds: { type: 'string', default: '3' },
    /** Cheap cells run more rounds (up to this many) while the cell has used less than --cell-seconds. */
    'max-rounds': { type: 'string', default: '15' },
    'cell-seconds': { type: 'string', default: '20' },
    out: { type: 'string' },
    name: { type: 'string', default: 'split-cpu' },
    machine: { type: 'string', default: '2-core shared VM' },
    /** Write the report again from a results JSON this script wrote (no run). */
    render: { type: 'string' },
    /** Join results JSONs this script wrote (runs of different devices) into one report at --out/--name (no run). */
    merge: { type: 'string' },
    /** Run the devices one after another in this process instead of one child process each. */
    sequential: { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '../../../..');
const MODELS = join(ROOT, 'models');
const rounds = Number(values.rounds);
const maxRounds = Math.max(rounds, Number(values['max-rounds']));
const cellMs = Number(values['cell-seconds']) * 1000;
const modelIds = (values.models as string).split(',');
const networks = (values.networks as string).split(',');
const devices = (values.devices as string).split(',');
const log = (...a: unknown[]) => console.error('[split-bench]', ...a);

interface DeviceSpec {
  label: string;
  /** In this process: the SDK with this local runtime (`false`: onnxruntime-web on the main thread). */
  node?: { worker: Parameters<typeof createClient>[0]['worker'] | false; numThreads?: number };
  /** In a real Chromium page. */
  browser?: BrowserDeviceSpec;
  /**
   * Models this device runs (default: all asked for). The SwiftShader page leaves out the OCR models
   * whose whole runs take seconds on the software GPU (ocr-rec, ocr-det), so the run stays within an hour here.
   */
  models?: string[];
}

const DEVICES: Record<string, DeviceSpec> = {
  'ort-node-1t': { label: 'onnxruntime-node, 1 intra-op thread, behind the SDK (a native app on a phone core)', node: { worker: ortNodeDevice(1) } },
  'wasm-1t': {
    label: 'onnxruntime-web wasm, 1 thread, the SDK on the main thread of Node (the engine a page without threads uses)',
    node: { worker: false, numThreads: 1 },
  },
  'chromium-wasm-1t': {
    label: 'Chromium (headless, Debian), the SDK in a page, onnxruntime-web wasm with 1 thread in its module Worker',
    browser: { worker: true, backends: ['wasm'], numThreads: 1 },
  },
  'chromium-wasm-2t': {
    label: 'Chromium, a cross-origin isolated page, onnxruntime-web wasm with 2 threads in its module Worker (both cores of this machine)',
    browser: { worker: true, backends: ['wasm'], numThreads: 2 },
  },
  'chromium-webgpu-swiftshader': {
    label:
      "Chromium with --enable-unsafe-webgpu: onnxruntime-web's WebGPU backend on SwiftShader, a software GPU on the CPU (a slow GPU, not a real one); the heads run on wasm (1 thread), since SwiftShader lacks shader-f16 and every head holds a float16 tensor",
    // wasm after webgpu: the SDK refuses a WebGPU session of a float16 graph on an adapter without shader-f16 (its outputs would be zeros).
    browser: { worker: true, backends: ['webgpu', 'wasm'], numThreads: 1, webgpu: true },
    // Seconds per run of the OCR models' whole graphs on the software GPU: left out to keep the run within an hour.
    models: ['tiny', 'ocr-cls', 'vision-s'],
  },
  'chromium-slow-phone-cdp': {
    label:
      'EMULATION: Chromium with CDP CPU throttling 4x (the rate Lighthouse uses for a mid-tier phone), the runtime on the page main thread (CDP throttling does not reach Workers), wasm 1 thread',
    browser: { worker: false, backends: ['wasm'], numThreads: 1, cpuThrottle: 4 },
  },
};
for (const d of devices) if (!DEVICES[d]) throw new Error(`unknown device "${d}"; known: ${Object.keys(DEVICES).join(', ')}`);
for (const n of networks) if (!SPLIT_NETWORKS[n]) throw new Error(`unknown network "${n}"; known: ${Object.keys(SPLIT_NETWORKS).join(', ')}`);

// Pictures the OCR models are made for (dark glyphs on paper); PP-OCR normalises to [-1, 1].
const OCR_NORM = { order: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;
function ocrInput(width: number, height: number, lines: { text: string; size: number }[]): NamedTensor {
  const image = renderText(
    width,
    height,
    lines.map((l, i) => ({ text: l.text, x: 8, y: (height / (lines.length + 1)) * (i + 1), size: l.size })),
  );
  const data = new Float32Array(3 * width * height);
  writeNchw(data, 0, image, { width, height }, OCR_NORM);
  return { name: 'x', datatype: 'FP32', shape: [1, 3, height, width], data };
}

function inputsFor(manifest: ModelManifest): NamedTensor[] {
  switch (manifest.id) {
    case 'ocr-det':
      return [
        ocrInput(320, 320, [
          { text: 'Split inference', size: 28 },
          { text: 'Order 4711 ships', size: 24 },
          { text: 'edge and cloud', size: 28 },
        ]),
      ];
    case 'ocr-rec':
      return [ocrInput(320, 48, [{ text: 'Order 4711 ships 2026', size: 26 }])];
    case 'ocr-cls':
      return [ocrInput(192, 48, [{ text: 'edge and cloud', size: 24 }])];
    default:
      return makeInputs(manifest, 1, 7);
  }
}

const copyInputs = (inputs: NamedTensor[]): Record<string, Tensor> =>
  Object.fromEntries(inputs.map((t) => [t.name, { datatype: t.datatype, shape: [...t.shape], data: (t.data as Float32Array).slice() } as Tensor]));

interface Route {
  key: string;
  options: InferOptions;
}

function routesOf(manifest: ModelManifest, catalog: ModelCatalog): Route[] {
  const has = (id: string) => catalog.models.some((m) => m.id === id);
  const splits = (manifest.cutPoints ?? []).flatMap((cut) =>
    cut.encodings
      .filter((e) => e.allowed && e.tail !== undefined && has(e.tail))
      .map((e) => ({ key: `split@${cut.name}/${e.encoding}`, options: { split: { cut: cut.name, encoding: e.encoding as CutEncoding } } })),
  );
  return [
    { key: 'local', options: { mode: 'local-only' } },
    { key: 'cloud', options: { mode: 'cloud-only' } },
    ...splits,
    { key: 'auto', options: { mode: 'auto' } },
  ];
}

/** The fixed route an auto run took, in the same words as the routes' keys. */
function routeKey(result: InferResult): string {
  const r = result.route;
  if (r.where === 'split' && r.split) return `split@${r.split.cut}/${r.split.encoding}`;
  return r.where;
}

/** Per model and cut: the share of the model's FLOPs before the cut, at the given input shapes (one per model input, in order). */
function deviceShareOf(catalog: ModelCatalog, shapes: Record<string, unknown>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [id, given] of Object.entries(shapes)) {
    const m = catalog.models.find((x) => x.id === id);
    if (!m) continue;
    const dims = bindInputs(
      m,
      m.inputs.map((spec, i) => ({ name: spec.name, datatype: spec.datatype, shape: (given as number[][])[i] ?? [] })),
    );
    const total = evalTerms(m.cost.flops, dims);
    out[id] = Object.fromEntries((m.cutPoints ?? []).map((c) => [c.name, round(evalTerms(c.flopsBefore, dims) / total, 4)]));
  }
  return out;
}

/** A report whose run predates the projection gets its device shares from the catalog and the inputs it recorded. */
const withShares = (data: SplitReportData): SplitReportData =>
  data.setup.deviceShare
    ? data
    : {
        ...data,
        setup: { ...data.setup, deviceShare: deviceShareOf(JSON.parse(readFileSync(join(MODELS, 'catalog.json'), 'utf8')) as ModelCatalog, data.setup.inputs) },
      };

/** One device's SDK client, as the bench drives it: a run is timed where the SDK runs. */
interface BenchClient {
  infer(
    model: string,
    options: InferOptions,
    keepOutputs: boolean,
  ): Promise<{ ms: number; took: string; reason: string; estimates: Record<string, number>; outputs?: number[][] }>;
  dispose(): Promise<void>;
}

/** The browser each page device ran in, for the results' device labels. */
const browserSeen: Record<string, string> = {};

/** The router's estimate of every candidate it weighed, in ms, by the routes' keys. */
function estimatesOf(result: InferResult): Record<string, number> {
  const e = result.route.estimates;
  const out: Record<string, number> = {};
  if (e?.local) out.local = round(e.local.totalMs, 1);
  if (e?.cloud) out.cloud = round(e.cloud.totalMs, 1);
  for (const s of e?.split ?? []) out[`split@${s.cut}/${s.encoding}`] = round(s.totalMs, 1);
  return out;
}

async function main(): Promise<void> {
  const catalogPath = join(MODELS, 'catalog.json');
  const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as ModelCatalog;
  const manifests = modelIds.map((id) => {
    const m = catalog.models.find((x) => x.id === id);
    if (!m?.cutPoints?.length) throw new Error(`model "${id}" has no kept cuts in the catalog (run npm run models)`);
    return m;
  });
  const tails = catalog.models.filter((m) => m.tailOf && modelIds.includes(m.tailOf.model)).map((m) => m.id);
  const worker = await startCli(WORKER_CLI, ['--models', catalogPath, '--serve', modelIds.join(','), '--tails', modelIds.join(','), '--port', '0']);
  const broker = await startBrokerInFront({ catalogPath, workerUrl: worker.url, models: [...modelIds, ...tails], maxConcurrency: 4 });
  const files = await startStaticServer(join(MODELS, 'build'));
  // One cache for every Node client: model files are fetched once, before any cell, so no cell's link
  // estimate is taken from a loopback download. A page keeps its files in its own Cache API.
  const caches = createMemoryCacheStorage();
  const nodeClient = async (spec: NonNullable<DeviceSpec['node']>, brokerUrl: string): Promise<BenchClient> => {
    const client: SplitflowClient = await createClient({
      catalog,
      modelBaseUrl: files.url,
      broker: brokerUrl,
      worker: spec.worker,
      ...(spec.numThreads ? { numThreads: spec.numThreads } : {}),
      caches,
      probe: { benchmarkMs: 5 },
      policy: { minDeviceGflops: 0 },
    });
    return {
      async infer(model, options, keepOutputs) {
        const given = copyInputs(inputs.get(model) ?? []);
        const t0 = performance.now();
        const result = await client.infer(model, given, options);
        const ms = performance.now() - t0;
        return {
          ms,
          took: routeKey(result),
          reason: result.route.reason,
          estimates: estimatesOf(result),
          ...(keepOutputs ? { outputs: Object.values(result.outputs).map((t) => Array.from(t.data as Float32Array)) } : {}),
        };
      },
      dispose: () => client.dispose(),
    };
  };
  const inputs = new Map(manifests.map((m) => [m.id, inputsFor(m)]));
  const budget = { latencyBudgetMs: 600_000 };
  const cells: Cell[] = [];
  const loadBefore = loadavg();
  const started = Date.now();
  const browsers = new Map<string, BrowserDevice>();
  const pageClient = async (device: string, brokerUrl: string): Promise<BenchClient> => {
    const page = browsers.get(device) as BrowserDevice;
    await page.createClient(brokerUrl);
    return {
      async infer(model, options, keepOutputs) {
        const r = await page.infer(model, options, keepOutputs);
        return { ms: r.ms, took: r.split ? `split@${r.split.cut}/${r.split.encoding}` : r.where, reason: r.reason, estimates: r.estimates, outputs: r.outputs };
      },
      dispose: async () => undefined,
    };
  };
  const clientFor = (device: string, brokerUrl: string): Promise<BenchClient> => {
    const d = DEVICES[device] as DeviceSpec;
    return d.node ? nodeClient(d.node, brokerUrl) : pageClient(device, brokerUrl);
  };
  const modelsOf = (device: string) => manifests.filter((m) => DEVICES[device]?.models?.includes(m.id) ?? true);
  try {
    for (const device of devices) {
      const spec = DEVICES[device] as DeviceSpec;
      if (!spec.browser) continue;
      const page = await startBrowserDevice(spec.browser);
      browsers.set(device, page);
      for (const m of modelsOf(device)) await page.setInputs(m.id, inputs.get(m.id) ?? []);
      const seen = await page.describe();
      if (!seen.crossOriginIsolated) throw new Error(`${device}: the page is not cross-origin isolated`);
      browserSeen[device] = seen.browser;
    }
    log('fetching every file once over loopback (not timed)');
    for (const device of [...devices.filter((d) => DEVICES[d]?.browser), devices.some((d) => DEVICES[d]?.node) ? 'wasm-1t' : undefined]) {
      if (!device) continue;
      const warm = await clientFor(device, broker.url);
      for (const m of modelsOf(device)) for (const r of routesOf(m, catalog)) await warm.infer(m.id, { ...r.options, ...budget }, false);
      await warm.dispose();
    }

    for (const device of devices) {
      for (const network of networks) {
        const profile = SPLIT_NETWORKS[network] as (typeof SPLIT_NETWORKS)[string];
        const link = await startShapedLink(broker.url, profile);
        const client = await clientFor(device, link.url);
        try {
          for (const manifest of modelsOf(device)) {
            const routes = routesOf(manifest, catalog);
            const cellLoad = loadavg()[0] as number;
            const samples: RouteSample[] = [];
            const failures: Cell['failures'] = [];
            const run = async (r: Route, roundIndex: number) => {
              link.resetCounters();
              try {
                const result = await client.infer(manifest.id, { ...r.options, ...budget }, roundIndex === 0);
                const bytes = link.counters();
                return { route: r.key, round: roundIndex, upBytes: bytes.up, downBytes: bytes.down, ...result };
              } catch (error) {
                failures.push({
                  route: r.key,
                  round: roundIndex,
                  code: String((error as { code?: string }).code ?? error),
                  message: String((error as Error).message),
                });
                return undefined;
              }
            };
            // The router's first choice, before this client has run the model on this link: priors
            // and the first ping only. Its time includes compiling; only the choice is kept.
            const cold = await run({ key: 'auto', options: { mode: 'auto' } }, -2);
            // Warm-up: every session compiled, every tail loaded in the worker, every route measured once.
            for (const r of routes) await run(r, -1);
            const cellStarted = performance.now();
            let done = 0;
            // Sub-millisecond routes need many samples for a median that a stall of the shared machine does not own.
            for (let i = 0; i < rounds || (i < maxRounds && performance.now() - cellStarted < cellMs); i++) {
              done = i + 1;
              // Rotate the order each round so drift on a busy machine falls on every route alike.
              const order = routes.map((_, k) => routes[(k + i) % routes.length] as Route);
              for (const r of order) {
                const s = await run(r, i);
                if (s) {
                  samples.push({
                    route: s.route,
                    round: i,
                    ms: s.ms,
                    upBytes: s.upBytes,
                    downBytes: s.downBytes,
                    took: s.took,
                    reason: r.key === 'auto' ? s.reason : undefined,
                    estimates: r.key === 'auto' ? s.estimates : undefined,
                    outputs: s.outputs,
                  });
                }
              }
              log(`${device} ${network} ${manifest.id}: round ${i + 1}`);
            }
            cells.push(
              summariseCell({
                model: manifest.id,
                device,
                network,
                samples,
                failures,
                coldChoice: cold?.took,
                coldReason: cold?.reason,
                loadAverage1m: cellLoad,
                rounds: done,
                classCount: manifest.id === 'ocr-det' ? undefined : (manifest.outputs[0]?.shape.at(-1) as number),
              }),
            );
          }
        } finally {
          await client.dispose();
          await link.close();
        }
      }
    }
  } finally {
    for (const page of browsers.values()) await page.close();
    await files.close();
    await broker.stop();
    await worker.stop();
  }
  const data = {
    bench: 'split',
    machine: describeMachine({
      name: values.machine,
      loadAverageBefore: loadBefore.map((v) => round(v, 2)),
      loadAverageAfter: loadavg().map((v) => round(v, 2)),
    }),
    minutes: round((Date.now() - started) / 60_000, 1),
    setup: {
      rounds,
      maxRounds,
      cellSeconds: cellMs / 1000,
      devices: Object.fromEntries(devices.map((d) => [d, browserSeen[d] ? `${DEVICES[d]?.label} [${browserSeen[d]}]` : DEVICES[d]?.label])),
      networks: Object.fromEntries(networks.map((n) => [n, SPLIT_NETWORKS[n]])),
      cloud: 'splitflow broker -> one CPU worker (onnxruntime-node, default threads), child processes on loopback; tails served by the same worker',
      shaping:
        'a TCP proxy between the SDK and the broker paces each direction of each connection at the profile bandwidth, adds half the RTT each way and holds a new connection for one RTT; real HTTP requests cross it. Model files are fetched once beforehand, unshaped, and cached.',
      caveat:
        'device and cloud share the same two cores (the load average at each cell is recorded): the cloud is not faster hardware here, so a split wins only where it saves transfer, not compute',
      inputs: Object.fromEntries(manifests.map((m) => [m.id, (inputs.get(m.id) ?? []).map((t) => t.shape)])),
      // Share of each cut's FLOPs done on the device at the bench's input, for the report's break-even projection.
      deviceShare: deviceShareOf(catalog, Object.fromEntries(manifests.map((m) => [m.id, (inputs.get(m.id) ?? []).map((t) => t.shape)]))),
    },
    cells,
  };
  const md = renderSplitReport(data);
  const written = writeReport(values.out ? resolve(values.out) : join(ROOT, 'apps/bench/results'), values.name as string, data, md);
  console.log(md);
  log(`wrote ${written.join(', ')}`);
}

/**
 * Several devices: one child process per device, at the same time, each with its own broker, worker
 * and links, then one report. Most of a cell's time is spent waiting on the shaped link, so running
 * devices side by side shortens the run; their compute does contend for the machine's cores (the
 * load average each cell records shows how much).
 */
async function parallel(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-split-parts-'));
  const started = Date.now();
  const loadBefore = loadavg();
  try {
    const args = process.argv
      .slice(2)
      .filter((a, i, all) => !['--devices', '--out', '--name'].includes(a) && !['--devices', '--out', '--name'].includes(all[i - 1] ?? ''));
    await Promise.all(
      devices.map(
        (device) =>
          new Promise<void>((resolveChild, reject) => {
            const child = spawn(
              process.execPath,
              [...process.execArgv, process.argv[1] as string, ...args, '--devices', device, '--out', dir, '--name', device],
              {
                stdio: ['ignore', 'ignore', 'inherit'],
              },
            );
            child.once('exit', (code) => (code === 0 ? resolveChild() : reject(new Error(`the ${device} run exited with ${code}`))));
          }),
      ),
    );
    const parts = devices.map((d) => JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as SplitReportData);
    const first = parts[0] as SplitReportData;
    const data: SplitReportData = {
      ...first,
      machine: {
        ...describeMachine({ name: values.machine }),
        loadAverageBefore: loadBefore.map((v) => round(v, 2)),
        loadAverageAfter: loadavg().map((v) => round(v, 2)),
        devicesRunAtOnce: devices.length,
      },
      minutes: round((Date.now() - started) / 60_000, 1),
      setup: { ...first.setup, devices: Object.assign({}, ...parts.map((p) => p.setup.devices)) },
      cells: parts.flatMap((p) => p.cells),
    };
    const written = writeReport(values.out ? resolve(values.out) : join(ROOT, 'apps/bench/results'), values.name as string, data, renderSplitReport(data));
    log(`wrote ${written.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report of several runs (each a results JSON of this script, for different devices) as one. */
function merge(files: string[]): void {
  const data = withShares(mergeReports(files.map((f) => JSON.parse(readFileSync(resolve(f), 'utf8')) as SplitReportData)));
  const written = writeReport(values.out ? resolve(values.out) : join(ROOT, 'apps/bench/results'), values.name as string, data, renderSplitReport(data));
  log(`wrote ${written.join(', ')}`);
}

if (values.merge) merge((values.merge as string).split(','));
else if (values.render) {
  const data = withShares(JSON.parse(readFileSync(resolve(values.render), 'utf8')) as SplitReportData);
  const written = writeReport(dirname(resolve(values.render)), basename(values.render, '.json'), data, renderSplitReport(data));
  log(`wrote ${written.join(', ')}`);
} else if (devices.length > 1 && !values.sequential) await parallel();
else await main();
