// A bursty day (BurstGPT's daily shape, see daily-trace.ts), compressed to minutes, replayed through a
// broker against four set-ups of real worker processes:
//   static-peak       a fixed pool sized for the peak (--max-workers)
//   static-mean       a fixed pool sized for the day's mean (the peak count times mean/peak, rounded up)
//   autoscaled        one on-demand pool, 1 to --max-workers, a local supervisor following the broker's
//                     splitflow_broker_pool_desired_replicas (scraped from /metrics, as KEDA would)
//   autoscaled-spot   the same on-demand pool plus a preemptible (spot) pool, cheaper, that the broker
//                     fills with batch work; spot workers are preempted at random (SIGTERM with a grace
//                     period, SIGKILL if they outlive it, and some hard kills)
// Mixed classes: interactive requests with deadlines and batch requests (8 rows, priority batch, a long
// deadline). Reports per set-up the provisioned cost per 1,000 requests (every replica for the time it
// ran, at its pool's price), SLO attainment per class, refused and failed requests, and the scale-up
// reaction time (from the plan first wanting a replica more to the broker admitting it).
//
// The peak rate is calibrated on the machine unless given: one worker's throughput for the mix (closed
// loop), times --max-workers, times --utilization.
//
// Here (2-core VM, tiny scale):
//   node --conditions=source --import tsx apps/bench/src/autoscale/trace-bench.ts --catalog models/catalog.json --day-s 24 --max-workers 2 --out bench-results/trace
// GPU machine's host: see apps/bench/src/autoscale/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ModelManifest, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { BROKER_CLI, type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { type Dispatcher, Pool } from 'undici';
import { openBenchCatalog } from '../bench-catalog.js';
import { buildBinaryRequest, type EncodedRequest, rng } from '../broker/inputs.js';
import { percentile } from '../worker/stats.js';
import { type Arrival, BURSTGPT_HOURLY, dailyTrace, meanToPeak, rateAt } from './daily-trace.js';
import { provisionedCost } from './replica-ledger.js';
import { createFleet, type Fleet, type FleetPool } from './worker-fleet.js';

const here = dirname(fileURLToPath(import.meta.url));
const bundled = import.meta.url.endsWith('.mjs');

const { values } = parseArgs({
  options: {
    'day-s': { type: 'string', default: '100' },
    'max-workers': { type: 'string', default: '6' },
    'worker-threads': { type: 'string', default: '1' },
    /**
     * Sessions per model in each worker (`--instances`): with 2, an interactive run need not wait behind
     * a batch-class run of the same model (those take one slot at a time, `--batch-class-runs 1`). A
     * worker is priced at threads x instances cores.
     */
    instances: { type: 'string', default: '1' },
    'peak-rate': { type: 'string' },
    utilization: { type: 'string', default: '0.6' },
    'calibrate-s': { type: 'string', default: '4' },
    cv: { type: 'string', default: '2' },
    seed: { type: 'string', default: '7' },
    setups: { type: 'string', default: 'static-peak,static-mean,autoscaled,autoscaled-spot' },
    /** On-demand price per worker-hour: $0.04 per core-hour (as the placement bench) times the worker's threads. */
    'core-price': { type: 'string', default: '0.04' },
    /** Spot price as a share of on-demand. */
    'spot-share': { type: 'string', default: '0.35' },
    /** Mean gap between preemptions of the spot pool, as a share of the day. */
    'preempt-every': { type: 'string', default: '0.1' },
    'grace-ms': { type: 'string', default: '2000' },
    'hard-share': { type: 'string', default: '0.3' },
    'startup-ms': { type: 'string', default: '2000' },
    /**
     * The broker's scale-down stabilisation window (`autoscale.scaleDownStabilizationMs`). Kubernetes'
     * HPA holds 300 s, five to ten times a pod's start-up; a worker here starts in about a second, so
     * five seconds, whatever the day's length.
     */
    'stabilization-ms': { type: 'string', default: '5000' },
    /** Seconds between polls of an async job's state. */
    'poll-ms': { type: 'string', default: '250' },
    /**
     * The plan's headroom over the observed load. Compressing a day to minutes makes its ramps a
     * thousand times steeper while a worker still takes its real time to start, so more than the
     * broker's default (0.2) is planned for.
     */
    headroom: { type: 'string', default: '0.5' },
    /** Workers a pool may have starting at once (Kubernetes' HPA adds up to 4 pods per step by default). */
    'max-starting': { type: 'string', default: '4' },
    catalog: { type: 'string' },
    out: { type: 'string' },
    machine: { type: 'string', default: '' },
    'worker-cli': { type: 'string' },
    'broker-cli': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const dayS = Number(values['day-s']);
const maxWorkers = Number(values['max-workers']);
const threads = Number(values['worker-threads']);
const instances = Number(values.instances);
const odPrice = Number(values['core-price']) * threads * instances;
const spotPrice = odPrice * Number(values['spot-share']);
const hourMs = (dayS * 1000) / 24;
const workerCli = values['worker-cli'] ?? (bundled ? join(here, 'worker-cli.mjs') : WORKER_CLI);
const brokerCli = values['broker-cli'] ?? (bundled ? join(here, 'broker-cli.mjs') : BROKER_CLI);
const TOKEN = 'trace-bench-registration-token';
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface RequestClass {
  name: string;
  model: string;
  batch: number;
  priority: 'interactive' | 'batch';
  deadlineMs: number;
  weight: number;
  /** Sent as an async job (`splitflow.mode=async`: 202, then polled until its answer is stored). */
  async?: boolean;
}

export const CLASSES: RequestClass[] = [
  { name: 'tiny/i', model: 'tiny', batch: 1, priority: 'interactive', deadlineMs: 50, weight: 30 },
  { name: 'vision-s/i', model: 'vision-s', batch: 1, priority: 'interactive', deadlineMs: 200, weight: 25 },
  { name: 'text-m/i', model: 'text-m', batch: 1, priority: 'interactive', deadlineMs: 200, weight: 15 },
  { name: 'vision-s/b', model: 'vision-s', batch: 8, priority: 'batch', deadlineMs: 10_000, weight: 20 },
  { name: 'text-m/b', model: 'text-m', batch: 8, priority: 'batch', deadlineMs: 10_000, weight: 10 },
  { name: 'vision-s/async', model: 'vision-s', batch: 8, priority: 'batch', deadlineMs: 30_000, weight: 5, async: true },
];
const MODELS = [...new Set(CLASSES.map((c) => c.model))];

interface Outcome {
  cls: number;
  atMs: number;
  status: number;
  code?: string;
  latencyMs: number;
}

/** The status and, for a refusal or failure, the error code of an answer. */
async function settle(res: Dispatcher.ResponseData): Promise<{ status: number; code?: string; text?: string }> {
  if (res.statusCode === 200) {
    await res.body.dump();
    return { status: 200 };
  }
  const text = await res.body.text();
  let code = 'unknown';
  try {
    code = String((JSON.parse(text) as { code?: string }).code ?? 'unknown');
  } catch {}
  return { status: res.statusCode, code, text };
}

const pollMs = Number(values['poll-ms']);

/**
 * The status and, for a refusal or failure, the error code the answer carried. An async class is
 * accepted (202), then polled until the job's answer is stored: its status is the answer's.
 */
async function send(pool: Pool, cls: RequestClass, request: EncodedRequest): Promise<{ status: number; code?: string }> {
  try {
    const res = await pool.request({
      method: 'POST',
      path: `/v2/models/${cls.model}/infer`,
      headers: request.headers,
      body: request.body,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const first = await settle(res);
    if (!cls.async || first.status !== 202) return { status: first.status, ...(first.code ? { code: first.code } : {}) };
    const id = (JSON.parse(first.text ?? '{}') as { id?: string }).id;
    if (!id) return { status: 0, code: 'no-job-id' };
    for (;;) {
      await new Promise((r) => setTimeout(r, pollMs));
      const polled = await settle(await pool.request({ method: 'GET', path: `/v2/jobs/${id}`, headersTimeout: 120_000, bodyTimeout: 120_000 }));
      if (polled.status !== 202) return { status: polled.status, ...(polled.code ? { code: polled.code } : {}) };
    }
  } catch (error) {
    return { status: 0, code: (error as { code?: string }).code ?? 'connection' };
  }
}

function brokerConfig(catalogPath: string, spot: boolean): Record<string, unknown> {
  const pool = (name: string, price: number, preemptible: boolean) => ({
    name,
    hardware: 'cpu',
    protocol: 'oip-v2',
    discovery: { register: true },
    costPerHour: price,
    maxConcurrency: 2,
    models: MODELS,
    // The broker's first estimates, before it has learned the workers' times (as the placement bench's CPU pool).
    throughput: { gflops: 50 * threads, fixedOverheadMs: 0.05, memoryGBps: 10 * threads },
    ...(preemptible ? { preemptible: true } : {}),
  });
  return {
    catalog: catalogPath,
    pools: [pool('on-demand', odPrice, false), ...(spot ? [pool('spot', spotPrice, true)] : [])],
    registration: { tokens: [TOKEN], heartbeatMs: 250, ttlMs: 1500 },
    health: { intervalMs: 100, timeoutMs: 2000 },
    // The day is compressed: the long window is one of its hours, the short one a worker's start-up.
    autoscale: {
      windowMs: Math.round(hourMs),
      startupMs: Number(values['startup-ms']),
      headroom: Number(values.headroom),
      scaleDownStabilizationMs: Number(values['stabilization-ms']),
      targetWaitMs: { interactive: 50, batch: 2000 },
    },
    anonymous: {},
    limits: { defaultDeadlineMs: 1000, upstreamTimeoutMs: 60_000 },
    jobs: { store: 'memory' },
    log: { level: 'error' },
  };
}

async function startBroker(dir: string, name: string, config: Record<string, unknown>): Promise<Child> {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  return startCli(brokerCli, ['--config', path]);
}

interface Setup {
  name: string;
  spot: boolean;
  pools: FleetPool[];
}

async function main(): Promise<void> {
  // The GPU machine has no network: the models are generated there.
  const { catalogPath, modelDir, catalog } = await openBenchCatalog({
    ...(values.catalog ? { catalog: values.catalog } : {}),
    models: MODELS,
    tmpPrefix: 'splitflow-trace-',
  });
  const manifests = new Map(catalog.models.map((m) => [m.id, m]));
  for (const m of MODELS) if (!manifests.has(m)) throw new Error(`the catalog has no ${m}`);
  const random = rng(Number(values.seed));
  const requests = CLASSES.map((c) =>
    buildBinaryRequest(manifests.get(c.model) as ModelManifest, c.batch, random, {
      [SPLITFLOW_PARAMS.deadlineMs]: c.deadlineMs,
      [SPLITFLOW_PARAMS.priority]: c.priority,
      ...(c.async ? { [SPLITFLOW_PARAMS.mode]: 'async' } : {}),
    }),
  );
  const workerArgs = [
    '--models',
    catalogPath,
    '--model-dir',
    modelDir,
    '--serve',
    MODELS.join(','),
    '--port',
    '0',
    '--threads',
    String(threads),
    '--instances',
    String(instances),
    '--log-level',
    'error',
  ];
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-trace-broker-'));

  /** One broker and its fleet for the length of `body`; both stopped after. */
  async function withSetup<T>(setup: Setup, seed: number, body: (pool: Pool, fleet: Fleet) => Promise<T>): Promise<T> {
    const broker = await startBroker(dir, setup.name, brokerConfig(catalogPath, setup.spot));
    const fleet = createFleet({
      brokerUrl: broker.url,
      token: TOKEN,
      workerCli,
      workerArgs,
      pools: setup.pools,
      // The broker's plan holds a lower want for its stabilisation window already; the supervisor only
      // lets a scrape or two pass.
      scaleDownAfterMs: 500,
      maxStarting: Number(values['max-starting']),
      random: rng(seed),
      ...(values.verbose ? { log } : {}),
    });
    const pool = new Pool(broker.url, { connections: 512, pipelining: 1 });
    try {
      await fleet.start();
      return await body(pool, fleet);
    } finally {
      await fleet.stop();
      await pool.close();
      await broker.stop();
    }
  }

  // Calibration: one worker's throughput for the mix, closed loop (2 requests per slot in flight).
  let peakRate = values['peak-rate'] !== undefined ? Number(values['peak-rate']) : Number.NaN;
  let calibration: Record<string, number> | undefined;
  if (Number.isNaN(peakRate)) {
    const seconds = Number(values['calibrate-s']);
    const total = CLASSES.reduce((s, c) => s + c.weight, 0);
    const pick = rng(Number(values.seed) + 99);
    // Throughput alone: no deadline to be refused by, sessions warmed first.
    const plain = CLASSES.map((c) =>
      buildBinaryRequest(manifests.get(c.model) as ModelManifest, c.batch, random, {
        [SPLITFLOW_PARAMS.deadlineMs]: 60_000,
        [SPLITFLOW_PARAMS.priority]: 'batch',
      }),
    );
    const done = await withSetup({ name: 'calibrate', spot: false, pools: [{ name: 'on-demand', fixed: 1 }] }, 1, async (pool) => {
      for (const [c, cls] of CLASSES.entries()) for (let k = 0; k < 2; k++) await send(pool, cls, plain[c] as EncodedRequest);
      let count = 0;
      const until = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (performance.now() < until) {
            let r = pick() * total;
            let i = 0;
            while (i < CLASSES.length - 1 && r >= (CLASSES[i] as RequestClass).weight) r -= (CLASSES[i++] as RequestClass).weight;
            if ((await send(pool, CLASSES[i] as RequestClass, plain[i] as EncodedRequest)).status === 200) count++;
          }
        }),
      );
      return count;
    });
    const perWorker = done / seconds;
    peakRate = Math.max(1, Math.round(perWorker * maxWorkers * Number(values.utilization)));
    calibration = { seconds, answered: done, perWorkerRps: Math.round(perWorker * 10) / 10 };
    log(`calibration: one worker answers ${perWorker.toFixed(1)} req/s of the mix; peak rate ${peakRate} req/s`);
  }

  const arrivals: Arrival[] = dailyTrace({ dayS, peakRate, classes: CLASSES, cv: Number(values.cv), seed: Number(values.seed) });
  const meanWorkers = Math.max(1, Math.ceil(maxWorkers * meanToPeak()));
  const preempt = { everyMs: Number(values['preempt-every']) * dayS * 1000, graceMs: Number(values['grace-ms']), hardShare: Number(values['hard-share']) };
  const setups: Record<string, Setup> = {
    'static-peak': { name: 'static-peak', spot: false, pools: [{ name: 'on-demand', fixed: maxWorkers }] },
    'static-mean': { name: 'static-mean', spot: false, pools: [{ name: 'on-demand', fixed: meanWorkers }] },
    autoscaled: { name: 'autoscaled', spot: false, pools: [{ name: 'on-demand', min: 1, max: maxWorkers }] },
    'autoscaled-spot': {
      name: 'autoscaled-spot',
      spot: true,
      pools: [
        { name: 'on-demand', min: 1, max: maxWorkers },
        { name: 'spot', min: 1, max: maxWorkers, preempt },
      ],
    },
  };
  const wanted = values.setups.split(',');
  for (const s of wanted) if (!setups[s]) throw new Error(`unknown set-up ${s}; known: ${Object.keys(setups).join(', ')}`);
  log(
    `${arrivals.length} requests over a ${dayS} s day (peak ${peakRate} req/s, mean ${(arrivals.length / dayS).toFixed(1)}); static-peak ${maxWorkers} workers, static-mean ${meanWorkers}; ${threads} thread(s) per worker; ${cpus().length} cores`,
  );

  const results: Record<string, unknown>[] = [];
  for (const [i, name] of wanted.entries()) {
    const setup = setups[name] as Setup;
    const result = await withSetup(setup, Number(values.seed) + i, async (pool, fleet) => {
      // Warm the floor's sessions through the broker, then the day.
      for (const [c, cls] of CLASSES.entries()) for (let k = 0; k < 2; k++) await send(pool, cls, requests[c] as EncodedRequest);
      fleet.follow();
      const outcomes: Outcome[] = [];
      const pending: Promise<void>[] = [];
      const start = performance.now();
      for (const a of arrivals) {
        const wait = start + a.atMs - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1));
        while (start + a.atMs - performance.now() > 0) await new Promise((r) => setImmediate(r));
        const cls = CLASSES[a.cls] as RequestClass;
        const scheduled = start + a.atMs;
        pending.push(
          send(pool, cls, requests[a.cls] as EncodedRequest).then(({ status, code }) => {
            outcomes.push({ cls: a.cls, atMs: a.atMs, status, ...(code ? { code } : {}), latencyMs: performance.now() - scheduled });
          }),
        );
      }
      await Promise.all(pending);
      const end = performance.now();
      return summarize(setup, fleet, outcomes, start, end);
    });
    results.push(result);
    // Each set-up's figures as soon as it ends, so a run cut short keeps what it measured.
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, 'trace-bench.partial.json'), `${JSON.stringify({ peakRate, calibration, results }, null, 2)}\n`);
    }
    const r = result as { costPer1k: number; slo: number; refused: number; failed: number };
    log(`${name}: $${r.costPer1k.toExponential(3)} per 1,000, SLO ${(r.slo * 100).toFixed(2)}%, refused ${r.refused}, failed ${r.failed}`);
  }

  const peak = results.find((r) => r.setup === 'static-peak') as { costPer1k: number } | undefined;
  for (const r of results) if (peak) r.costVsPeak = Math.round(((r.costPer1k as number) / peak.costPer1k) * 1000) / 1000;
  const report = {
    bench: 'daily-trace-autoscaling',
    machine: values.machine,
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    trace: {
      source: 'BurstGPT (arXiv 2401.17644), README Figure 2, ChatGPT conversation log: median requests per hour, read off the box plot',
      hourly: BURSTGPT_HOURLY,
      meanToPeak: Math.round(meanToPeak() * 1000) / 1000,
      dayS,
      cv: Number(values.cv),
      peakRate,
      requests: arrivals.length,
      seed: Number(values.seed),
    },
    calibration,
    classes: CLASSES,
    workers: { threads, instances, maxWorkers, meanWorkers },
    prices: { onDemandPerWorkerHour: odPrice, spotPerWorkerHour: spotPrice },
    preemption: preempt,
    results,
  };
  const markdown = renderMarkdown(report);
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'trace-bench.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(values.out, 'trace-bench.md'), markdown);
    rmSync(join(values.out, 'trace-bench.partial.json'), { force: true });
  }
  console.log(markdown);
}

function stats(values: number[]): { n: number; p50: number; p90: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v);
  return { n: sorted.length, p50: r(percentile(sorted, 50)), p90: r(percentile(sorted, 90)), max: r(sorted[sorted.length - 1] as number) };
}

function summarize(setup: Setup, fleet: Fleet, outcomes: Outcome[], startMs: number, endMs: number): Record<string, unknown> {
  const prices = { 'on-demand': odPrice, spot: spotPrice };
  const cost = provisionedCost(fleet.spans, prices, startMs, endMs);
  const usd = Object.values(cost).reduce((s, c) => s + c.usd, 0);
  const met = (o: Outcome) => o.status === 200 && o.latencyMs <= (CLASSES[o.cls] as RequestClass).deadlineMs;
  const refusedStatus = (s: number) => s === 429 || s === 503;
  const perClass = CLASSES.map((c, i) => {
    const mine = outcomes.filter((o) => o.cls === i);
    const lat = mine
      .filter((o) => o.status === 200)
      .map((o) => o.latencyMs)
      .sort((a, b) => a - b);
    return {
      class: c.name,
      n: mine.length,
      slo: mine.filter(met).length / Math.max(1, mine.length),
      p50Ms: Math.round(percentile(lat, 50) * 10) / 10,
      p99Ms: Math.round(percentile(lat, 99) * 10) / 10,
      refused: mine.filter((o) => refusedStatus(o.status)).length,
      failed: mine.filter((o) => o.status !== 200 && !refusedStatus(o.status)).length,
    };
  });
  // The day hour by hour: offered rate, replicas the pools ran (mean of the samples), SLO.
  const hours = Array.from({ length: 24 }, (_, h) => {
    const from = h * hourMs;
    const to = from + hourMs;
    const mine = outcomes.filter((o) => o.atMs >= from && o.atMs < to);
    const samples = fleet.samples.filter((s) => s.atMs - startMs >= from && s.atMs - startMs < to);
    const replicas: Record<string, number> = {};
    for (const p of setup.pools)
      replicas[p.name] = Math.round((samples.reduce((s, x) => s + (x.pools[p.name]?.running ?? 0), 0) / Math.max(1, samples.length)) * 10) / 10;
    return {
      hour: h,
      offeredRps: Math.round((mine.length / (hourMs / 1000)) * 10) / 10,
      curveRps: Math.round(rateAt(from / 1000 + hourMs / 2000, { dayS, peakRate: 1 }) * 1000) / 1000,
      replicas,
      slo: mine.length ? Math.round((mine.filter(met).length / mine.length) * 10_000) / 10_000 : null,
    };
  });
  const ups = fleet.scaleUps.filter((u) => u.launchMs >= startMs && u.healthyMs !== undefined);
  const statuses: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.code ? `${o.status} ${o.code}` : String(o.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return {
    setup: setup.name,
    requests: outcomes.length,
    wallS: Math.round(endMs - startMs) / 1000,
    costUsd: usd,
    costPer1k: (usd / Math.max(1, outcomes.length)) * 1000,
    pools: cost,
    slo: outcomes.filter(met).length / Math.max(1, outcomes.length),
    sloInteractive:
      outcomes.filter((o) => (CLASSES[o.cls] as RequestClass).priority === 'interactive' && met(o)).length /
      Math.max(1, outcomes.filter((o) => (CLASSES[o.cls] as RequestClass).priority === 'interactive').length),
    sloBatch:
      outcomes.filter((o) => (CLASSES[o.cls] as RequestClass).priority === 'batch' && met(o)).length /
      Math.max(1, outcomes.filter((o) => (CLASSES[o.cls] as RequestClass).priority === 'batch').length),
    refused: outcomes.filter((o) => refusedStatus(o.status)).length,
    failed: outcomes.filter((o) => o.status !== 200 && !refusedStatus(o.status)).length,
    statuses,
    perClass,
    scaleUp: {
      count: ups.length,
      /** From the plan first wanting more replicas than ran to the broker admitting the new one, ms. */
      wantToHealthyMs: stats(ups.map((u) => (u.healthyMs as number) - u.wantMs)),
      /** From the process start to the broker admitting it, ms. */
      launchToHealthyMs: stats(ups.map((u) => (u.healthyMs as number) - u.launchMs)),
    },
    preemptions: {
      notice: fleet.preemptions.filter((p) => p.kind === 'notice').length,
      hard: fleet.preemptions.filter((p) => p.kind === 'hard').length,
      drainedInGrace: fleet.preemptions.filter((p) => p.drainedInGrace === true).length,
    },
    hours,
  };
}

interface Report {
  machine: string;
  date: string;
  cores: number;
  loadAverageAtEnd: number[];
  trace: { dayS: number; peakRate: number; requests: number; cv: number; meanToPeak: number };
  workers: { threads: number; instances: number; maxWorkers: number; meanWorkers: number };
  prices: { onDemandPerWorkerHour: number; spotPerWorkerHour: number };
  results: Record<string, unknown>[];
}

function renderMarkdown(report: Report): string {
  type Row = {
    setup: string;
    costPer1k: number;
    costVsPeak?: number;
    slo: number;
    sloInteractive: number;
    sloBatch: number;
    refused: number;
    failed: number;
    requests: number;
    statuses: Record<string, number>;
    perClass: { class: string; slo: number; p50Ms: number; p99Ms: number }[];
    pools: Record<string, { replicaS: number; peakReplicas: number }>;
    scaleUp: { count: number; wantToHealthyMs?: { p50: number; p90: number; max: number }; launchToHealthyMs?: { p50: number; max: number } };
    preemptions: { notice: number; hard: number; drainedInGrace: number };
    hours: { hour: number; offeredRps: number; replicas: Record<string, number>; slo: number | null }[];
  };
  const rows = report.results as unknown as Row[];
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const out = [
    '# A bursty day replayed against four set-ups',
    '',
    `${report.date}, ${report.machine || 'machine not named'} (${report.cores} cores, load average at the end ${report.loadAverageAtEnd.join(' / ')}).`,
    `Trace: BurstGPT's daily shape (mean/peak ${report.trace.meanToPeak}), Gamma gaps (cv ${report.trace.cv}), one day in ${report.trace.dayS} s, peak ${report.trace.peakRate} req/s, ${report.trace.requests} requests.`,
    `Workers: ${report.workers.threads} thread(s) and ${report.workers.instances} session(s) per model each; static-peak ${report.workers.maxWorkers}, static-mean ${report.workers.meanWorkers}, autoscaled 1 to ${report.workers.maxWorkers} per pool. Prices per worker-hour: on-demand $${report.prices.onDemandPerWorkerHour}, spot $${report.prices.spotPerWorkerHour.toFixed(4)}.`,
    '',
    '| set-up | $ per 1,000 (provisioned) | vs static-peak | SLO all | interactive | batch | refused | failed | replica-s by pool (peak replicas) | scale-ups: want to admitted p50 / p90 / max ms | preemptions (notice drained in grace / hard) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const pools = Object.entries(r.pools)
      .map(([p, c]) => `${p} ${c.replicaS.toFixed(0)} (${c.peakReplicas})`)
      .join(', ');
    const up = r.scaleUp.wantToHealthyMs
      ? `${r.scaleUp.count}: ${r.scaleUp.wantToHealthyMs.p50} / ${r.scaleUp.wantToHealthyMs.p90} / ${r.scaleUp.wantToHealthyMs.max}`
      : '-';
    const pre = r.preemptions.notice + r.preemptions.hard > 0 ? `${r.preemptions.notice} (${r.preemptions.drainedInGrace}) / ${r.preemptions.hard}` : '-';
    out.push(
      `| ${r.setup} | ${r.costPer1k.toExponential(3)} | ${r.costVsPeak ?? '-'} | ${pct(r.slo)} | ${pct(r.sloInteractive)} | ${pct(r.sloBatch)} | ${r.refused} | ${r.failed} | ${pools} | ${up} | ${pre} |`,
    );
  }
  out.push('', 'Answers by status and error code:', '');
  for (const r of rows)
    out.push(
      `- ${r.setup}: ${Object.entries(r.statuses)
        .map(([k, n]) => `${k} x ${n}`)
        .join(', ')}`,
    );
  out.push('', '## Per class: SLO (p50 / p99 ms of answers)', '');
  const classes = rows[0]?.perClass.map((c) => c.class) ?? [];
  out.push(`| set-up | ${classes.join(' | ')} |`, `| --- | ${classes.map(() => '---').join(' | ')} |`);
  for (const r of rows) out.push(`| ${r.setup} | ${r.perClass.map((c) => `${pct(c.slo)} (${c.p50Ms} / ${c.p99Ms})`).join(' | ')} |`);
  out.push('', '## Hour by hour: offered req/s, mean replicas running, SLO', '');
  out.push(`| hour | offered req/s | ${rows.map((r) => r.setup).join(' | ')} |`, `| --- | --- | ${rows.map(() => '---').join(' | ')} |`);
  for (let h = 0; h < 24; h++) {
    const first = rows[0]?.hours[h];
    out.push(
      `| ${h} | ${first?.offeredRps ?? '-'} | ${rows
        .map((r) => {
          const x = r.hours[h];
          if (!x) return '-';
          const reps = Object.values(x.replicas).join(' + ');
          return `${reps} (${x.slo === null ? '-' : pct(x.slo)})`;
        })
        .join(' | ')} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
