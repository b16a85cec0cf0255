// Heterogeneous placement: a GPU worker (onnxruntime-node `--ep webgpu`) and CPU workers; a mixed
// open-loop workload (Poisson arrivals of tiny, vision-s, text-m and large requests, interactive and
// batch) replayed identically under five policies:
//   all-gpu            every request to the GPU worker
//   all-cpu            round robin over the CPU workers
//   round-robin        round robin over every worker
//   least-outstanding  the worker with the fewest requests in flight from this client
//   splitflow          through the broker: cheapest pool that meets the deadline (interactive),
//                      cheapest pool with capacity (batch)
// Reports SLO attainment (answer within the class deadline), p50/p99 per class, throughput and cost
// per 1,000 requests: busy cost (each answer's share of the run that computed it, at its worker's
// price; the broker's own cost model) and provisioned cost (every worker a policy used, for the run).
// A load sweep (`--rates 40,200,600`): every policy at every rate, the same seeded trace shape scaled
// to the rate, so the report shows where the CPU pool stops being enough and work must move to the GPU.
//
// GPU machine (one command, see apps/bench/src/broker/README.md):
//   source .device/setup.sh && node apps/bench/dist/broker/placement-bench.mjs --out $OUT
// CPU-only smoke here (two CPU workers, one labelled gpu):
//   node --conditions=source --import tsx apps/bench/src/broker/placement-bench.ts --gpu-ep cpu --rates 10,30 --duration 3 --warmup 1 --models tiny,vision-s,text-m
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BINARY_HEADER, type ModelManifest, type Parameters, readLoadHeaders, SPLITFLOW_PARAMS, splitBody } from '@splitflow/contract';
import { BROKER_CLI, type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { Pool } from 'undici';
import { openBenchCatalog } from '../bench-catalog.js';
import { percentile } from '../worker/stats.js';
import { buildBinaryRequest, type EncodedRequest, rng } from './inputs.js';

const here = dirname(fileURLToPath(import.meta.url));
const bundled = import.meta.url.endsWith('.mjs');
const totalCores = cpus().length;

const { values } = parseArgs({
  options: {
    'gpu-ep': { type: 'string', default: 'webgpu' },
    'cpu-workers': { type: 'string', default: '2' },
    'cpu-threads': { type: 'string' },
    /** Arrival rates to sweep, req/s; every policy runs at each. `--rate` is one rate. */
    rates: { type: 'string', default: '40,200,600' },
    rate: { type: 'string' },
    /** Seconds measured per policy: one value, or one per rate. */
    duration: { type: 'string', default: '10,6,5' },
    warmup: { type: 'string', default: '2' },
    /** Longest wait, after a replay, for every worker to report an empty queue before the next one. */
    'settle-s': { type: 'string', default: '20' },
    models: { type: 'string', default: 'tiny,vision-s,text-m,large' },
    policies: { type: 'string', default: 'all-gpu,all-cpu,round-robin,least-outstanding,splitflow' },
    'gpu-price': { type: 'string', default: '3.00' },
    'cpu-core-price': { type: 'string', default: '0.04' },
    catalog: { type: 'string' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    'worker-cli': { type: 'string' },
    /** Extra flags for every worker, space-separated, e.g. `--worker-flags=--main-thread-runs`. */
    'worker-flags': { type: 'string', default: '' },
    'broker-cli': { type: 'string' },
    /** Another broker build (e.g. the previous commit's bundle): its replicas serve the policy "splitflow-baseline", for side-by-side runs. */
    'baseline-broker-cli': { type: 'string' },
    /**
     * Where the yardstick policies run: `broker` (default) in broker replicas of their own configured
     * with that placement (`round-robin` or `least-outstanding`, over the GPU pool alone for all-gpu and
     * the CPU pool alone for all-cpu), so every policy pays the same proxy hop and only placement
     * differs; `direct`, in this client, straight to the workers (no broker hop for them: it flatters the yardsticks).
     */
    baselines: { type: 'string', default: 'broker' },
    /** Broker replicas (processes) the splitflow policy spreads its requests over, round robin. */
    brokers: { type: 'string', default: '1' },
  },
});

const cpuWorkers = Number(values['cpu-workers']);
// The CPU workers get the cores left after two (the load generator, the GPU worker) and one per broker
// replica: a broker starved of cores by the workers' intra-op threads would slow the workers and itself,
// and make splitflow pay for an arrangement no deployment would choose.
const cpuThreads = Number(values['cpu-threads'] ?? Math.max(1, Math.floor((totalCores - 2 - Number(values.brokers)) / cpuWorkers)));
const gpuPrice = Number(values['gpu-price']);
const cpuPrice = Number(values['cpu-core-price']) * cpuThreads;
const rates = (values.rate ?? values.rates).split(',').map(Number);
const durationList = values.duration.split(',').map(Number);
const durations = rates.map((_, i) => durationList[Math.min(i, durationList.length - 1)] as number);
const warmupS = Number(values.warmup);
const settleS = Number(values['settle-s']);
if (rates.some((r) => !(r > 0)) || durations.some((d) => !(d > 0)) || (durationList.length > 1 && durationList.length !== rates.length))
  throw new Error('--rates must be numbers > 0 and --duration one value or one per rate');
const wanted = new Set(values.models.split(','));
const workerCli = values['worker-cli'] ?? (bundled ? join(here, 'worker-cli.mjs') : WORKER_CLI);
const brokerCli = values['broker-cli'] ?? (bundled ? join(here, 'broker-cli.mjs') : BROKER_CLI);

/** A request class of the mix: model, rows, priority, deadline and share of arrivals. */
interface RequestClass {
  name: string;
  model: string;
  batch: number;
  priority: 'interactive' | 'batch';
  deadlineMs: number;
  weight: number;
}

const CLASSES: RequestClass[] = [
  { name: 'tiny/i', model: 'tiny', batch: 1, priority: 'interactive', deadlineMs: 20, weight: 40 },
  { name: 'vision-s/i', model: 'vision-s', batch: 1, priority: 'interactive', deadlineMs: 150, weight: 15 },
  { name: 'text-m/i', model: 'text-m', batch: 1, priority: 'interactive', deadlineMs: 150, weight: 15 },
  { name: 'large/i', model: 'large', batch: 1, priority: 'interactive', deadlineMs: 60, weight: 10 },
  { name: 'large/b', model: 'large', batch: 64, priority: 'batch', deadlineMs: 3000, weight: 10 },
  { name: 'vision-s/b', model: 'vision-s', batch: 8, priority: 'batch', deadlineMs: 5000, weight: 10 },
];

/** The worker's window of recent runs for its deadline test (packages/worker/src/batching/batch-queue.ts). */
const WORKER_RUN_WINDOW = 32;

interface Arrival {
  atMs: number;
  cls: number;
}

/** Poisson arrivals at `rate` per second, class by weight; the same seed gives the same trace shape at every rate. */
function trace(classes: RequestClass[], rate: number, seconds: number, seed: number): Arrival[] {
  const random = rng(seed);
  const total = classes.reduce((s, c) => s + c.weight, 0);
  const out: Arrival[] = [];
  let t = 0;
  for (;;) {
    t += (-Math.log(1 - random()) / rate) * 1000;
    if (t >= seconds * 1000) return out;
    let pick = random() * total;
    let cls = 0;
    while (pick >= (classes[cls] as RequestClass).weight) pick -= (classes[cls++] as RequestClass).weight;
    out.push({ atMs: t, cls });
  }
}

interface Target {
  name: string;
  url: string;
  hardware: 'gpu' | 'cpu';
  pricePerHour: number;
  pool: Pool;
  inFlight: number;
}

interface Outcome {
  cls: number;
  status: number;
  /** The error's code for a status other than 200 (the body's `code`), or `connection` where no answer came. */
  failure?: string;
  latencyMs: number;
  costUsd: number;
  /** The worker's compute time for the run this answer was part of, ms. */
  computeMs: number;
  target: string;
}

function targetFor(url: string, name: string, hardware: 'gpu' | 'cpu', pricePerHour: number): Target {
  return { name, url, hardware, pricePerHour, pool: new Pool(url, { connections: 512, pipelining: 1 }), inFlight: 0 };
}

const seenFailures = new Set<string>();

async function send(target: Target, model: string, request: EncodedRequest): Promise<{ status: number; parameters: Parameters; failure?: string }> {
  target.inFlight++;
  try {
    const res = await target.pool.request({
      method: 'POST',
      path: `/v2/models/${model}/infer`,
      headers: request.headers,
      body: request.body,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const bytes = new Uint8Array(await res.body.arrayBuffer());
    if (res.statusCode !== 200) {
      const text = new TextDecoder().decode(bytes);
      const failure = `${res.statusCode} ${/"code"\s*:\s*"([A-Z_]+)"/.exec(text)?.[1] ?? 'no code'}`;
      // The first answer of each kind is printed whole: a count says what, not why.
      if (!seenFailures.has(failure)) {
        seenFailures.add(failure);
        console.error(`first ${failure} from ${target.name} (${model}): ${text.slice(0, 300)}`);
      }
      return { status: res.statusCode, parameters: {}, failure };
    }
    const headerLength = res.headers[BINARY_HEADER];
    const { header } = splitBody(bytes, typeof headerLength === 'string' ? headerLength : undefined);
    return { status: 200, parameters: ((header as { parameters?: Parameters }).parameters ?? {}) as Parameters };
  } catch {
    return { status: 0, parameters: {}, failure: 'connection' };
  } finally {
    target.inFlight--;
  }
}

const num = (p: Parameters, key: string) => (typeof p[key] === 'number' ? (p[key] as number) : undefined);

async function main(): Promise<void> {
  // The GPU machine has no network and `large` is 286 MB: the models are generated there.
  const { catalogPath, modelDir, catalog } = await openBenchCatalog({
    ...(values.catalog ? { catalog: values.catalog } : {}),
    models: [...wanted],
    tmpPrefix: 'splitflow-placement-',
    log: (line) => console.error(line),
  });
  const manifests = new Map(catalog.models.map((m) => [m.id, m]));
  const classes = CLASSES.filter((c) => wanted.has(c.model) && manifests.has(c.model));
  const models = [...new Set(classes.map((c) => c.model))];
  const random = rng(Number(values.seed));
  const requests = classes.map((c) =>
    buildBinaryRequest(manifests.get(c.model) as ModelManifest, c.batch, random, {
      [SPLITFLOW_PARAMS.deadlineMs]: c.deadlineMs,
      [SPLITFLOW_PARAMS.priority]: c.priority,
    }),
  );

  const policies = values.policies.split(',');
  // Trace time only; settling after saturated replays and start-up come on top.
  const traceS = policies.length * durations.reduce((s, d) => s + d + warmupS, 0);
  console.error(
    `cores ${totalCores}; gpu worker --ep ${values['gpu-ep']}; ${cpuWorkers} cpu workers x ${cpuThreads} threads; rates ${rates.join(', ')} req/s for ${durations.join(', ')} s per policy after ${warmupS} s warm-up; ${policies.length} policies (yardsticks run ${values.baselines === 'broker' ? 'in brokers of their own' : 'in this client, straight to the workers'}): ${traceS} s of traces`,
  );
  const workerFlags = values['worker-flags'].split(' ').filter((f) => f !== '');
  const common = ['--models', catalogPath, '--model-dir', modelDir, '--serve', models.join(','), '--port', '0', '--log-level', 'error', ...workerFlags];
  const children: Child[] = [];
  try {
    const gpu = await startCli(workerCli, [...common, '--ep', String(values['gpu-ep']), '--hardware', 'gpu']);
    children.push(gpu);
    const cpuChildren = await Promise.all(
      Array.from({ length: cpuWorkers }, () => startCli(workerCli, [...common, '--ep', 'cpu', '--threads', String(cpuThreads)])),
    );
    children.push(...cpuChildren);
    const gpuTarget = targetFor(gpu.url, 'gpu-0', 'gpu', gpuPrice);
    const cpuTargets = cpuChildren.map((c, i) => targetFor(c.url, `cpu-${i}`, 'cpu', cpuPrice));
    const workers = [gpuTarget, ...cpuTargets];
    const priceOf = new Map(workers.map((w) => [w.url, w]));

    // Warm every session (the webgpu provider compiles its shaders on the first runs, one shape at a
    // time); before every policy, fill each model's window of recent runs (a worker's deadline test leaves room for the
    // slowest of its last 32) with warm single-row runs: a compile-time run left in it would have the
    // worker refuse every tight-deadline request of that model, and a refused request runs nothing that
    // could push it out.
    const warmRun = async (w: Target, i: number) => {
      const { failure } = await send(w, (classes[i] as RequestClass).model, requests[i] as EncodedRequest);
      if (failure) console.error(`warm-up ${(classes[i] as RequestClass).name} at ${w.name}: ${failure}`);
    };
    const fillRunWindows = () =>
      Promise.all(
        workers.map(async (w) => {
          for (const model of models) {
            const single = classes.findIndex((c) => c.model === model && c.batch === 1);
            for (let k = 0; single >= 0 && k < WORKER_RUN_WINDOW; k++) await warmRun(w, single);
          }
        }),
      );
    for (const w of workers) for (const i of classes.keys()) for (let k = 0; k < 3; k++) await warmRun(w, i);

    const dir = mkdtempSync(join(tmpdir(), 'splitflow-placement-broker-'));
    const brokerConfig = {
      catalog: catalogPath,
      pools: [
        { name: 'gpu', hardware: 'gpu', protocol: 'oip-v2', endpoints: [{ url: gpu.url }], costPerHour: gpuPrice, maxConcurrency: 4, models },
        {
          name: 'cpu',
          hardware: 'cpu',
          protocol: 'oip-v2',
          endpoints: cpuChildren.map((c) => ({ url: c.url })),
          costPerHour: cpuPrice,
          maxConcurrency: 2,
          models,
          throughput: { gflops: 50 * cpuThreads, fixedOverheadMs: 0.05, memoryGBps: 10 * cpuThreads },
        },
      ],
      anonymous: {},
      limits: { defaultDeadlineMs: 1000, upstreamTimeoutMs: 120_000 },
      jobs: { store: 'memory' },
      log: { level: 'error' },
      // The bench attributes each answer to the worker that ran it.
      exposure: { endpointInAnswers: true },
    };
    // Replicas share nothing but the workers' load reports, as separate broker processes would.
    const startBrokers = async (cli: string, prefix: string, config: Record<string, unknown> = brokerConfig): Promise<Target[]> => {
      const path = join(dir, `${prefix}.json`);
      writeFileSync(path, JSON.stringify(config));
      const started = await Promise.all(Array.from({ length: Number(values.brokers) }, () => startCli(cli, ['--config', path])));
      children.push(...started);
      return started.map((c, i) => targetFor(c.url, `${prefix}-${i}`, 'cpu', 0));
    };
    const brokersOf: Record<string, Target[]> = { splitflow: await startBrokers(brokerCli, 'broker') };
    const baselineCli = values['baseline-broker-cli'];
    if (baselineCli !== undefined) brokersOf['splitflow-baseline'] = await startBrokers(resolve(baselineCli), 'baseline-broker');
    if (values.baselines === 'broker') {
      const [gpuPool, cpuPool] = brokerConfig.pools;
      const yardsticks: Record<string, Record<string, unknown>> = {
        'all-gpu': { ...brokerConfig, pools: [gpuPool], placement: 'round-robin' },
        'all-cpu': { ...brokerConfig, pools: [cpuPool], placement: 'round-robin' },
        'round-robin': { ...brokerConfig, placement: 'round-robin' },
        'least-outstanding': { ...brokerConfig, placement: 'least-outstanding' },
      };
      for (const policy of policies) {
        const config = yardsticks[policy];
        if (config) brokersOf[policy] = await startBrokers(brokerCli, `${policy}-broker`, config);
      }
    } else if (values.baselines !== 'direct') throw new Error(`--baselines must be broker or direct, got ${values.baselines}`);
    let nextBroker = 0;

    let rr = 0;
    const pick: Record<string, () => Target> = {
      'all-gpu': () => gpuTarget,
      'all-cpu': () => cpuTargets[rr++ % cpuTargets.length] as Target,
      'round-robin': () => workers[rr++ % workers.length] as Target,
      'least-outstanding': () => workers.reduce((best, w) => (w.inFlight < best.inFlight ? w : best)),
    };
    for (const [policy, brokers] of Object.entries(brokersOf)) pick[policy] = () => brokers[nextBroker++ % brokers.length] as Target;
    for (const policy of policies) if (!pick[policy]) throw new Error(`unknown policy ${policy}; known: ${Object.keys(pick).join(', ')}`);

    async function replay(policy: string, arrivals: Arrival[]): Promise<{ outcomes: Outcome[]; wallMs: number; used: Set<string> }> {
      const choose = pick[policy] as () => Target;
      const outcomes: Outcome[] = [];
      const used = new Set<string>();
      const pending: Promise<void>[] = [];
      const start = performance.now();
      for (const a of arrivals) {
        // Open loop: send at the trace's time whatever is still in flight; latency counts from then.
        const wait = start + a.atMs - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1));
        while (start + a.atMs - performance.now() > 0) await new Promise((r) => setImmediate(r));
        const cls = classes[a.cls] as RequestClass;
        const target = choose();
        const scheduled = start + a.atMs;
        pending.push(
          send(target, cls.model, requests[a.cls] as EncodedRequest).then(({ status, parameters, failure }) => {
            const latencyMs = performance.now() - scheduled;
            const endpoint = (parameters[SPLITFLOW_PARAMS.endpoint] as string | undefined) ?? target.url;
            const worker = priceOf.get(endpoint);
            if (worker) used.add(worker.name);
            const computeUs = num(parameters, SPLITFLOW_PARAMS.computeUs) ?? 0;
            const runRows = num(parameters, SPLITFLOW_PARAMS.batchSize) ?? (requests[a.cls] as EncodedRequest).rows;
            const share = Math.min(1, (requests[a.cls] as EncodedRequest).rows / Math.max(1, runRows));
            const costUsd = status === 200 && worker ? (worker.pricePerHour * (computeUs / 1000) * share) / 3.6e6 : 0;
            outcomes.push({
              cls: a.cls,
              status,
              ...(failure ? { failure } : {}),
              latencyMs,
              costUsd,
              computeMs: computeUs / 1000,
              target: worker?.name ?? target.name,
            });
          }),
        );
      }
      await Promise.all(pending);
      return { outcomes, wallMs: performance.now() - start, used };
    }

    /**
     * Waits until every worker reports an empty queue and nothing in flight (its load headers), so a
     * saturated replay's backlog does not spill into the next policy's figures. Returns the seconds waited.
     */
    async function settle(): Promise<number> {
      const started = performance.now();
      while (performance.now() - started < settleS * 1000) {
        const loads = await Promise.all(
          workers.map(async (w) => {
            try {
              const res = await w.pool.request({ method: 'GET', path: '/v2/health/ready', headersTimeout: 5000 });
              await res.body.dump();
              const load = readLoadHeaders((name) => res.headers[name]);
              return (load.queueDepth ?? 0) + (load.inFlight ?? 0);
            } catch {
              return 1;
            }
          }),
        );
        if (loads.every((l) => l === 0)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return (performance.now() - started) / 1000;
    }

    /** The brokers' decision and refusal counters and CPU seconds, summed over replicas, to diff around a replay. */
    async function brokerCounters(brokers: Target[]): Promise<Map<string, number>> {
      const counters = new Map<string, number>();
      const add = (key: string, value: number) => counters.set(key, (counters.get(key) ?? 0) + value);
      for (const broker of brokers) {
        const res = await broker.pool.request({ method: 'GET', path: '/metrics' });
        const text = await res.body.text();
        for (const m of text.matchAll(/^splitflow_broker_(decisions|refusals)_total\{([^}]*)\} (\S+)$/gm)) add(`${m[1]}{${m[2]}}`, Number(m[3]));
        const cpu = /^process_cpu_seconds_total (\S+)$/m.exec(text);
        if (cpu) add('process_cpu_seconds', Number(cpu[1]));
      }
      return counters;
    }

    const runs: Record<string, unknown>[] = [];
    for (const [ri, rate] of rates.entries()) {
      const durationS = durations[ri] as number;
      const warm = trace(classes, rate, warmupS, Number(values.seed) + 1);
      const measured = trace(classes, rate, durationS, Number(values.seed) + 2);
      const report: Row[] = [];
      console.error(`-- ${rate} req/s: ${measured.length} requests in ${durationS} s per policy`);
      for (const policy of policies) {
        // Every policy starts from the same worker state: queues empty (settle) and each model's window
        // of recent runs warm, not holding the slow runs of the policy before.
        await fillRunWindows();
        await replay(policy, warm);
        const settledWarmS = await settle();
        const viaBrokers = brokersOf[policy];
        const before = viaBrokers ? await brokerCounters(viaBrokers) : undefined;
        const { outcomes, wallMs, used } = await replay(policy, measured);
        let brokerDecisions: Record<string, number> | undefined;
        if (before && viaBrokers) {
          brokerDecisions = {};
          for (const [k, v] of await brokerCounters(viaBrokers)) if (v - (before.get(k) ?? 0) > 0) brokerDecisions[k] = v - (before.get(k) ?? 0);
          // Broker CPU seconds against the replay's wall seconds: near 1 means the broker itself is the bottleneck.
          brokerDecisions.replay_wall_seconds = Math.round(wallMs) / 1000;
        }
        const settledS = await settle();
        const ok = outcomes.filter((o) => o.status === 200);
        const met = outcomes.filter((o) => o.status === 200 && o.latencyMs <= (classes[o.cls] as RequestClass).deadlineMs);
        const busyCost = ok.reduce((s, o) => s + o.costUsd, 0);
        const provisioned = [...used].reduce((s, name) => s + (workers.find((w) => w.name === name)?.pricePerHour ?? 0), 0) * (wallMs / 3.6e6);
        const perClass = classes.map((c, i) => {
          const mine = outcomes.filter((o) => o.cls === i);
          const answered = mine.filter((o) => o.status === 200);
          const lat = answered.map((o) => o.latencyMs).sort((a, b) => a - b);
          const where: Record<string, number> = {};
          const failures: Record<string, number> = {};
          for (const o of mine) {
            where[o.target] = (where[o.target] ?? 0) + 1;
            if (o.failure) failures[o.failure] = (failures[o.failure] ?? 0) + 1;
          }
          return {
            class: c.name,
            n: mine.length,
            slo: mine.length ? mine.filter((o) => o.status === 200 && o.latencyMs <= c.deadlineMs).length / mine.length : Number.NaN,
            p50Ms: percentile(lat, 50),
            p99Ms: percentile(lat, 99),
            refused: mine.length - answered.length,
            /** The unanswered requests by status and error code. */
            failures,
            placed: where,
            /** Mean compute time of the runs that answered (the worker's compute_us), to see where busy cost comes from. */
            meanComputeMs: answered.reduce((s, o) => s + o.computeMs, 0) / Math.max(1, answered.length),
            busyCostPer1k: (answered.reduce((s, o) => s + o.costUsd, 0) / Math.max(1, answered.length)) * 1000,
          };
        });
        const row: Row = {
          policy,
          requests: outcomes.length,
          ok: ok.length,
          sloAttainment: met.length / Math.max(1, outcomes.length),
          throughputRps: ok.length / (wallMs / 1000),
          busyCostPer1k: (busyCost / Math.max(1, ok.length)) * 1000,
          provisionedCostPer1k: (provisioned / Math.max(1, ok.length)) * 1000,
          gpuShare: outcomes.filter((o) => o.target === gpuTarget.name).length / Math.max(1, outcomes.length),
          settledS: Math.round((settledWarmS + settledS) * 10) / 10,
          perClass,
          ...(brokerDecisions ? { brokerDecisions } : {}),
        };
        report.push(row);
        console.error(
          `${String(rate).padStart(4)} req/s ${policy.padEnd(18)} SLO ${(row.sloAttainment * 100).toFixed(1)}%  ${row.throughputRps.toFixed(1)} req/s  busy $${row.busyCostPer1k.toExponential(3)}/1k  provisioned $${row.provisionedCostPer1k.toFixed(5)}/1k  gpu ${(row.gpuShare * 100).toFixed(0)}%  settled ${row.settledS} s`,
        );
      }
      runs.push({ rate, durationS, warmupS, requests: measured.length, report });
    }

    const result = {
      bench: 'heterogeneous-placement',
      gpuEp: values['gpu-ep'],
      cpuWorkers,
      cpuThreads,
      prices: { gpuPerHour: gpuPrice, cpuWorkerPerHour: cpuPrice },
      rates,
      durations,
      warmupS,
      baselines: values.baselines,
      classes,
      brokerPools: brokerConfig.pools,
      runs,
      node: process.version,
      cpu: cpus()[0]?.model,
      cores: totalCores,
      date: new Date().toISOString(),
    };
    const markdown = markdownReport(result.date, runs as unknown as RateRun[], classes, values.baselines);
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, 'placement-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(values.out, 'placement-bench.md'), markdown);
    }
    // The compact table last, as the GPU runner shows the tail.
    const lines = ['rate  policy             SLO%   req/s  busy$/1k   prov$/1k  gpu%  worst class SLO'];
    for (const run of runs as unknown as RateRun[]) {
      for (const r of run.report) {
        const worst = r.perClass.reduce((w, c) => (c.slo < w.slo ? c : w));
        lines.push(
          `${String(run.rate).padStart(4)}  ${r.policy.padEnd(18)} ${(r.sloAttainment * 100).toFixed(1).padStart(5)} ${r.throughputRps.toFixed(1).padStart(7)}  ${r.busyCostPer1k.toExponential(2).padStart(9)}  ${r.provisionedCostPer1k.toFixed(5).padStart(8)}  ${(r.gpuShare * 100).toFixed(0).padStart(4)}  ${worst.class} ${(worst.slo * 100).toFixed(0)}%`,
        );
      }
    }
    console.log(lines.join('\n'));
    await Promise.all([...workers, ...Object.values(brokersOf).flat()].map((w) => w.pool.close()));
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

interface ClassRow {
  class: string;
  n: number;
  slo: number;
  p50Ms: number;
  p99Ms: number;
  refused: number;
  failures: Record<string, number>;
  placed: Record<string, number>;
  meanComputeMs: number;
  busyCostPer1k: number;
}

interface Row {
  policy: string;
  requests: number;
  ok: number;
  sloAttainment: number;
  throughputRps: number;
  busyCostPer1k: number;
  provisionedCostPer1k: number;
  /** Share of requests answered (or refused) by the GPU worker. */
  gpuShare: number;
  settledS: number;
  perClass: ClassRow[];
  brokerDecisions?: Record<string, number>;
}

interface RateRun {
  rate: number;
  durationS: number;
  warmupS: number;
  requests: number;
  report: Row[];
}

/** One table per rate: totals, then p50/p99 (SLO) and where each class ran. */
function markdownReport(date: string, runs: RateRun[], classes: RequestClass[], baselines: string): string {
  const out = [
    '# Heterogeneous placement: load sweep',
    '',
    `${date}. Classes: ${classes.map((c) => `${c.name} (${c.batch} row${c.batch > 1 ? 's' : ''}, ${c.deadlineMs} ms, weight ${c.weight})`).join(', ')}.`,
    '',
    baselines === 'broker'
      ? 'The yardstick policies run in broker replicas of their own (placement round-robin or least-outstanding; all-gpu and all-cpu over one pool), so every policy pays the same proxy hop.'
      : 'The yardstick policies run in the load generator, straight to the workers; only splitflow goes through brokers.',
  ];
  for (const run of runs) {
    out.push('', `## ${run.rate} req/s (${run.requests} requests in ${run.durationS} s per policy, after ${run.warmupS} s warm-up)`, '');
    out.push(`| policy | SLO | req/s | busy $/1k | provisioned $/1k | on GPU | ${classes.map((c) => `${c.name} p50/p99 ms (SLO)`).join(' | ')} |`);
    out.push(`| --- | --- | --- | --- | --- | --- | ${classes.map(() => '---').join(' | ')} |`);
    for (const r of run.report) {
      out.push(
        `| ${r.policy} | ${(r.sloAttainment * 100).toFixed(1)}% | ${r.throughputRps.toFixed(1)} | ${r.busyCostPer1k.toExponential(2)} | ${r.provisionedCostPer1k.toFixed(5)} | ${(r.gpuShare * 100).toFixed(0)}% | ` +
          r.perClass.map((c) => `${c.p50Ms.toFixed(1)}/${c.p99Ms.toFixed(1)} (${(c.slo * 100).toFixed(0)}%)`).join(' | ') +
          ' |',
      );
    }
    for (const r of run.report) {
      const failed = r.perClass.filter((c) => c.refused > 0);
      if (failed.length > 0) out.push('', `${r.policy} unanswered: ${failed.map((c) => `${c.class} ${JSON.stringify(c.failures)}`).join('; ')}.`);
    }
    for (const split of run.report.filter((r) => r.policy.startsWith('splitflow'))) {
      out.push('', `${split.policy} placement per class: ${split.perClass.map((c) => `${c.class} ${JSON.stringify(c.placed)}`).join('; ')}.`);
      if (split.brokerDecisions) out.push(`Broker counters during the measured replay (${split.policy}): ${JSON.stringify(split.brokerDecisions)}.`);
    }
  }
  return `${out.join('\n')}\n`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
