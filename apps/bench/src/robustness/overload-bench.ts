// Overload with hard deadlines (issue 13's bar): a worker and a broker (each its own process) serving
// text-m. First the capacity: requests/s with 32 requests always in flight. Then open-loop Poisson
// arrivals at `--factor` times that capacity for `--seconds`, each request with a hard
// `splitflow.deadline_ms`, and the same load without deadlines. Per phase: admitted requests (200) and
// how many finished within their deadline, refusals (429/503) and whether each carried Retry-After and
// came early, anything else; latency quantiles; the broker's and worker's RSS before, under and after.
// Who refused is read from the broker's /metrics (its own refusals against the worker's, passed on),
// and each admitted answer's worker queue and run time against the client's latency says where the
// time went. Writes results/overload-deadlines-<tag>.{json,md}.
//
// Where things run: `--worker-cpus`, `--broker-cpus` and `--load-cpus` pin the worker, the broker and
// this load generator to CPU lists (taskset, every thread), so on a large machine they need not share
// cores; `--worker-url` uses a worker already running elsewhere instead of starting one.
//
//   npm run bench:overload -w @splitflow/bench [-- --factor 3 --seconds 20 --deadline-ms 1000]
//   ... -- --worker-cpus 0-7 --broker-cpus 8-9 --load-cpus 10-11 --machine '16-core ...' --tag cpu-16
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@splitflow/contract';
import { BROKER_CLI, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { describeMachine } from '../worker/machine.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    factor: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    'deadline-ms': { type: 'string', default: '1000' },
    seq: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    catalog: { type: 'string', default: join(here, '..', '..', '..', '..', 'models', 'catalog.json') },
    'worker-cli': { type: 'string', default: WORKER_CLI },
    'broker-cli': { type: 'string', default: BROKER_CLI },
    'worker-url': { type: 'string' },
    'worker-cpus': { type: 'string' },
    'broker-cpus': { type: 'string' },
    'load-cpus': { type: 'string' },
    machine: { type: 'string', default: '2-core shared VM' },
    tag: { type: 'string', default: 'cpu' },
    out: { type: 'string', default: join(here, '..', '..', 'results') },
  },
});
const factor = Number(values.factor);
const seconds = Number(values.seconds);
const deadlineMs = Number(values['deadline-ms']);
const seq = Number(values.seq);
const KEY = 'bench-overload-key-00001';

interface Outcome {
  status: number;
  ms: number;
  retryAfter: boolean;
  code?: string;
  /** The worker's queue plus run time for an admitted request, ms. */
  workerMs?: number;
}

function body(random: () => number, deadline: number | undefined): string {
  const ids = Array.from({ length: seq }, () => Math.floor(random() * 16384));
  const parameters = deadline === undefined ? {} : { 'splitflow.deadline_ms': deadline };
  return JSON.stringify({ inputs: [{ name: 'input_ids', datatype: 'INT64', shape: [1, seq], data: ids }], parameters });
}

async function send(url: string, payload: string): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/v2/models/text-m/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: payload,
    });
    const text = await res.text();
    const out: Outcome = { status: res.status, ms: performance.now() - t0, retryAfter: res.headers.has('retry-after') };
    try {
      const json = JSON.parse(text) as { code?: string; parameters?: Record<string, unknown> };
      if (res.status >= 400) out.code = json.code;
      const queueUs = json.parameters?.['splitflow.queue_us'];
      const computeUs = json.parameters?.['splitflow.compute_us'];
      if (typeof queueUs === 'number' && typeof computeUs === 'number') out.workerMs = (queueUs + computeUs) / 1000;
    } catch {}
    return out;
  } catch (error) {
    return { status: 0, ms: performance.now() - t0, retryAfter: false, code: (error as Error & { code?: string }).code ?? 'NETWORK' };
  }
}

/** Requests/s with `inFlight` always outstanding, for `ms`. */
async function capacity(url: string, inFlight: number, ms: number): Promise<number> {
  const random = mulberry32(1);
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const r = await send(url, body(random, undefined));
        if (r.status === 200) done++;
      }
    }),
  );
  return done / (ms / 1000);
}

/** Open-loop Poisson arrivals at `rate`/s for `ms`; every request's outcome. */
async function openLoop(url: string, rate: number, ms: number, deadline: number | undefined): Promise<Outcome[]> {
  const random = mulberry32(7);
  const pending: Promise<Outcome>[] = [];
  const start = performance.now();
  let next = start;
  while (next - start < ms) {
    next += (-Math.log(1 - random()) / rate) * 1000;
    const wait = next - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(url, body(random, deadline)));
  }
  return Promise.all(pending);
}

const q = (sorted: number[], p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 10) / 10;

function summarize(outcomes: Outcome[], deadline: number | undefined) {
  const admitted = outcomes.filter((o) => o.status === 200);
  const refused = outcomes.filter((o) => o.status === 429 || o.status === 503);
  const other = outcomes.filter((o) => o.status !== 200 && o.status !== 429 && o.status !== 503);
  const lat = admitted.map((o) => o.ms).sort((a, b) => a - b);
  // Client latency not spent in the worker's queue or run: the load generator, the broker, the hops.
  const outside = admitted
    .filter((o) => o.workerMs !== undefined)
    .map((o) => o.ms - (o.workerMs as number))
    .sort((a, b) => a - b);
  const inWorker = admitted
    .filter((o) => o.workerMs !== undefined)
    .map((o) => o.workerMs as number)
    .sort((a, b) => a - b);
  const refusedMs = refused.map((o) => o.ms).sort((a, b) => a - b);
  const codes: Record<string, number> = {};
  for (const o of [...refused, ...other]) codes[`${o.status} ${o.code ?? ''}`.trim()] = (codes[`${o.status} ${o.code ?? ''}`.trim()] ?? 0) + 1;
  return {
    sent: outcomes.length,
    admitted: admitted.length,
    admittedWithinDeadline: deadline === undefined ? undefined : admitted.filter((o) => o.ms <= deadline).length,
    admittedWithinDeadlinePct:
      deadline === undefined || admitted.length === 0
        ? undefined
        : Math.round((10000 * admitted.filter((o) => o.ms <= deadline).length) / admitted.length) / 100,
    refused: refused.length,
    refusedWithRetryAfter: refused.filter((o) => o.retryAfter).length,
    refusedP50Ms: q(refusedMs, 0.5),
    refusedP99Ms: q(refusedMs, 0.99),
    other: other.length,
    codes,
    admittedP50Ms: q(lat, 0.5),
    admittedP99Ms: q(lat, 0.99),
    admittedMaxMs: q(lat, 1),
    admittedWorkerP50Ms: q(inWorker, 0.5),
    admittedWorkerP99Ms: q(inWorker, 0.99),
    admittedOutsideWorkerP50Ms: q(outside, 0.5),
    admittedOutsideWorkerP99Ms: q(outside, 0.99),
  };
}

function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Math.round(Number(line.split(/\s+/)[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Pins every thread of `pid` (and threads it starts later) to `cpus`, a taskset list such as `0-3,8`. */
function pin(pid: number | undefined, cpus: string | undefined): void {
  if (pid === undefined || cpus === undefined) return;
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/** The broker's refusals by code and its answers by code, from /metrics: who refused, broker or worker. */
async function brokerCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^splitflow_broker_(refusals|requests)_total\{(?:model="[^"]*",)?code="([^"]+)"\} (\d+)/.exec(line);
    if (m) counts[`${m[1]} ${m[2]}`] = (counts[`${m[1]} ${m[2]}`] ?? 0) + Number(m[3]);
  }
  return counts;
}

const minus = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => (v as number) > 0),
  );

async function main(): Promise<void> {
  const catalog = resolve(values.catalog);
  pin(process.pid, values['load-cpus']);
  const worker =
    values['worker-url'] === undefined
      ? await startCli(values['worker-cli'], ['--models', catalog, '--serve', 'text-m', '--port', '0', '--threads', values.threads])
      : undefined;
  pin(worker?.process.pid, values['worker-cpus']);
  const workerUrl = worker?.url ?? (values['worker-url'] as string);
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-overload-'));
  writeFileSync(
    join(dir, 'broker.json'),
    JSON.stringify({
      catalog,
      pools: [{ name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', endpoints: [{ url: workerUrl }], costPerHour: 0.1, maxConcurrency: 8, models: ['text-m'] }],
      tenants: [{ id: 'bench', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      log: { level: 'warn' },
    }),
  );
  const broker = await startCli(values['broker-cli'], ['--config', join(dir, 'broker.json')]);
  pin(broker.process.pid, values['broker-cpus']);
  const memory = (when: string) => ({ when, brokerMiB: rssMiB(broker.process.pid), workerMiB: rssMiB(worker?.process.pid) });
  const rss = [memory('start')];
  try {
    await capacity(broker.url, 8, 2000); // warm-up: sessions, the scheduler's learned service times
    const unloaded = summarize(
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => new Promise<Outcome>((r) => setTimeout(() => r(send(broker.url, body(mulberry32(i), undefined))), i * 40))),
      ),
      undefined,
    );
    const cap = await capacity(broker.url, 32, 5000);
    const rate = cap * factor;
    console.error(`capacity ${cap.toFixed(0)} req/s; offering ${rate.toFixed(0)} req/s for ${seconds} s`);
    const before = await brokerCounts(broker.url);
    const hard = summarize(await openLoop(broker.url, rate, seconds * 1000, deadlineMs), deadlineMs);
    const afterHard = await brokerCounts(broker.url);
    rss.push(memory('after the hard-deadline phase'));
    await new Promise((r) => setTimeout(r, 3000));
    const betweenPhases = await brokerCounts(broker.url);
    const soft = summarize(await openLoop(broker.url, rate, seconds * 1000, undefined), undefined);
    const atEnd = await brokerCounts(broker.url);
    rss.push(memory('after the no-deadline phase'));
    await new Promise((r) => setTimeout(r, 5000));
    rss.push(memory('5 s after the load'));
    const result = {
      machine: { ...describeMachine({ name: values.machine }), loadAverage1mAtEnd: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
      model: `text-m, seq ${seq}, worker --threads ${values.threads}, broker maxConcurrency 8`,
      placement: {
        worker: values['worker-url'] === undefined ? (values['worker-cpus'] ?? 'any cpu') : 'elsewhere',
        broker: values['broker-cpus'] ?? 'any cpu',
        load: values['load-cpus'] ?? 'any cpu',
      },
      brokerCounts: { hardDeadline: minus(afterHard, before), noDeadline: minus(atEnd, betweenPhases) },
      capacityRps: Math.round(cap),
      offeredRps: Math.round(rate),
      factor,
      seconds,
      deadlineMs,
      unloaded,
      hardDeadline: hard,
      noDeadline: soft,
      rss,
    };
    mkdirSync(values.out, { recursive: true });
    const base = join(values.out, `overload-deadlines-${values.tag}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    const row = (name: string, s: ReturnType<typeof summarize>) =>
      `| ${name} | ${s.sent} | ${s.admitted} | ${s.admittedWithinDeadlinePct ?? '-'} | ${s.admittedP50Ms} | ${s.admittedP99Ms} | ${s.refused} | ${s.refusedWithRetryAfter} | ${s.refusedP50Ms} | ${s.other} |`;
    const md = [
      `# Overload with hard deadlines (${values.machine}, ${result.machine.date.slice(0, 10)}, load average ${result.machine.loadAverage1mAtEnd} at the end)`,
      '',
      `${result.model}; cores: worker ${result.placement.worker}, broker ${result.placement.broker}, load ${result.placement.load}. Capacity ${result.capacityRps} req/s (32 in flight); offered ${result.offeredRps} req/s (${factor}x, Poisson) for ${seconds} s per phase; hard deadline ${deadlineMs} ms.`,
      '',
      '| phase | sent | admitted (200) | admitted within deadline % | admitted p50 ms | admitted p99 ms | refused 429/503 | refused with Retry-After | refused p50 ms | other |',
      '|---|---|---|---|---|---|---|---|---|---|',
      row('unloaded (25 req/s)', unloaded),
      row(`${factor}x, hard deadline`, hard),
      row(`${factor}x, no deadline`, soft),
      '',
      `Codes: hard ${JSON.stringify(hard.codes)}; none ${JSON.stringify(soft.codes)}.`,
      '',
      `Broker counts (its own refusals; answers by code, HTTP_429/503 being the worker's passed on): hard ${JSON.stringify(result.brokerCounts.hardDeadline)}; none ${JSON.stringify(result.brokerCounts.noDeadline)}.`,
      '',
      `Admitted, where the time went (ms, p50/p99): in the worker's queue and run: hard ${hard.admittedWorkerP50Ms}/${hard.admittedWorkerP99Ms}, none ${soft.admittedWorkerP50Ms}/${soft.admittedWorkerP99Ms}; outside it (load generator, broker, hops): hard ${hard.admittedOutsideWorkerP50Ms}/${hard.admittedOutsideWorkerP99Ms}, none ${soft.admittedOutsideWorkerP50Ms}/${soft.admittedOutsideWorkerP99Ms}.`,
      '',
      `RSS MiB (broker / worker): ${rss.map((m) => `${m.when} ${m.brokerMiB}/${m.workerMiB}`).join('; ')}.`,
      '',
    ].join('\n');
    writeFileSync(`${base}.md`, md);
    console.log(md);
  } finally {
    await broker.stop();
    await worker?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
