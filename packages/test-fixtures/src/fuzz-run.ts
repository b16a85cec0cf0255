import { Worker } from 'node:worker_threads';
import { isErrorCode } from '@splitflow/contract';
import { malformedRequests, validTinyRequest } from './malformed-requests.js';
import { rawExchange } from './raw-http.js';

// Test and bench support: sends seeded malformed requests at a server (a worker or a broker in front
// of one), valid `tiny` requests between them, and probes health throughout; reports what came back.

export interface FuzzOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:4000`. */
  url: string;
  seed: number;
  count: number;
  /** Connections sending malformed requests at once. @default 8 */
  concurrency?: number;
  /** One valid request after every this many malformed ones. @default 10 */
  validEvery?: number;
  authorization?: string;
  bodyLimitBytes: number;
  /** The expected logits of a valid request's row (run the model directly). */
  reference(row: number[]): Promise<number[]>;
  /** Time between health probes. @default 50 */
  healthEveryMs?: number;
  /**
   * A server that does nothing else (another process), probed right after each health probe: its
   * answer times are the machine's floor (scheduling, loopback), to read the target's against.
   */
  controlUrl?: string;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  /** Answers by status. */
  statuses: Record<string, number>;
  /** Answers by error code. */
  codes: Record<string, number>;
  /** Typed 4xx answers: status 400-499 and a JSON `{error: string, code}` with a code of the table. */
  typed4xx: number;
  serverErrors: number;
  resets: number;
  /** Connections that ended with no answer at all. */
  noAnswer: number;
  /** Up to 10 examples of anything that was not a typed 4xx. */
  examples: { kind: string; status: number | undefined; ended: string; body: string }[];
  kinds: Record<string, number>;
  valid: { sent: number; exact: number; failed: number };
  health: { probes: number; failed: number; maxMs: number; p99Ms: number };
  /** The control server's answer times over the same run, when one was given. */
  control?: { probes: number; maxMs: number; p99Ms: number };
}

/** A server that answers requests in process without a socket (fastify's `inject`). */
export interface InjectTarget {
  inject(options: { method: 'POST'; url: string; headers: Record<string, string>; payload: string }): Promise<{ json(): unknown }>;
}

/**
 * `reference` for a run whose valid requests go to `tiny`: the worker's own answer for the row, asked
 * in process, so neither the sockets under test nor the fuzz traffic touch it.
 */
export function tinyReferenceOf(worker: InjectTarget): FuzzOptions['reference'] {
  return async (row) => {
    const res = await worker.inject({
      method: 'POST',
      url: '/v2/models/tiny/infer',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: row }] }),
    });
    return (res.json() as { outputs: { data: number[] }[] }).outputs[0]?.data ?? [];
  };
}

/** What a run showed, in the terms `cleanRun` states. */
export function runOutcome(report: FuzzReport) {
  return {
    examples: report.examples,
    sent: report.sent,
    typed4xx: report.typed4xx,
    serverErrors: report.serverErrors,
    resets: report.resets,
    valid: report.valid,
    healthFailed: report.health.failed,
  };
}

/** A clean run of `count` malformed requests: each a typed 4xx, none a 5xx or a reset, every valid request between them exact, every health probe answered. */
export function cleanRun(count: number, validEvery = 10): ReturnType<typeof runOutcome> {
  const valid = Math.floor(count / validEvery);
  return { examples: [], sent: count, typed4xx: count, serverErrors: 0, resets: 0, valid: { sent: valid, exact: valid, failed: 0 }, healthFailed: 0 };
}

const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
parentPort.once('message', () => { running = false; });
(async () => {
  const ms = [];
  const controlMs = [];
  let failed = 0;
  while (running) {
    const t0 = performance.now();
    try {
      const res = await fetch(workerData.url);
      await res.arrayBuffer();
      if (res.status !== 200) failed++;
    } catch {
      failed++;
    }
    ms.push(performance.now() - t0);
    if (workerData.control !== undefined) {
      const t1 = performance.now();
      try {
        await (await fetch(workerData.control)).arrayBuffer();
        controlMs.push(performance.now() - t1);
      } catch {}
    }
    await new Promise((r) => setTimeout(r, workerData.everyMs));
  }
  parentPort.postMessage({ ms, failed, controlMs });
})();
`;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const port = Number(new URL(options.url).port);
  const concurrency = options.concurrency ?? 8;
  const validEvery = options.validEvery ?? 10;
  const report: FuzzReport = {
    seed: options.seed,
    sent: 0,
    statuses: {},
    codes: {},
    typed4xx: 0,
    serverErrors: 0,
    resets: 0,
    noAnswer: 0,
    examples: [],
    kinds: {},
    valid: { sent: 0, exact: 0, failed: 0 },
    health: { probes: 0, failed: 0, maxMs: 0, p99Ms: 0 },
  };
  // The prober runs on a thread of its own: this thread's event loop is busy sending the malformed
  // requests and checking answers, and a probe's time must be the server's, not this loop's backlog.
  const prober = new Worker(PROBER, {
    eval: true,
    workerData: { url: `${options.url}/v2/health/ready`, control: options.controlUrl, everyMs: options.healthEveryMs ?? 50 },
  });
  const probed = new Promise<{ ms: number[]; failed: number; controlMs: number[] }>((resolve, reject) => {
    prober.once('message', resolve);
    prober.once('error', reject);
  });

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.authorization) headers.authorization = options.authorization;
  async function sendValid(seed: number): Promise<void> {
    report.valid.sent++;
    const { row, body } = validTinyRequest(seed);
    try {
      const res = await fetch(`${options.url}/v2/models/tiny/infer`, { method: 'POST', headers, body });
      const json = (await res.json()) as { outputs?: { data: number[] }[] };
      const got = json.outputs?.[0]?.data;
      const want = await options.reference(row);
      if (
        res.status === 200 &&
        got?.length === want.length &&
        got.every((v, i) => Math.abs(v - (want[i] as number)) <= 1e-5 * Math.max(1, Math.abs(want[i] as number)))
      ) {
        report.valid.exact++;
      } else report.valid.failed++;
    } catch {
      report.valid.failed++;
    }
  }

  const requests = malformedRequests(options.seed, options.count, {
    bodyLimitBytes: options.bodyLimitBytes,
    ...(options.authorization ? { authorization: options.authorization } : {}),
  });
  let index = 0;
  async function lane(): Promise<void> {
    for (;;) {
      const next = requests.next();
      if (next.done) return;
      const i = index++;
      const { kind, bytes } = next.value;
      report.kinds[kind] = (report.kinds[kind] ?? 0) + 1;
      const answer = await rawExchange(port, [bytes], { untilAnswer: true, holdMs: 10_000 });
      report.sent++;
      const status = answer.status;
      report.statuses[String(status ?? 'none')] = (report.statuses[String(status ?? 'none')] ?? 0) + 1;
      let code: unknown;
      let error: unknown;
      try {
        ({ code, error } = JSON.parse(answer.body) as { code?: unknown; error?: unknown });
      } catch {}
      if (typeof code === 'string') report.codes[code] = (report.codes[code] ?? 0) + 1;
      const typed =
        status !== undefined &&
        status >= 400 &&
        status < 500 &&
        typeof error === 'string' &&
        isErrorCode(code) &&
        /json/.test(answer.headers['content-type'] ?? '');
      if (typed) report.typed4xx++;
      if (status !== undefined && status >= 500) report.serverErrors++;
      if (answer.ended === 'reset') report.resets++;
      if (status === undefined) report.noAnswer++;
      if ((!typed || answer.ended === 'reset') && report.examples.length < 10)
        report.examples.push({ kind, status, ended: answer.ended, body: answer.body.slice(0, 200) });
      if (i % validEvery === validEvery - 1) await sendValid(options.seed * 1_000_003 + i);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  prober.postMessage('stop');
  const { ms: healthMs, failed, controlMs } = await probed;
  if (options.controlUrl !== undefined) {
    controlMs.sort((a, b) => a - b);
    report.control = {
      probes: controlMs.length,
      maxMs: Math.round((controlMs.at(-1) ?? 0) * 100) / 100,
      p99Ms: Math.round(quantile(controlMs, 0.99) * 100) / 100,
    };
  }
  await prober.terminate();
  report.health.failed = failed;
  healthMs.sort((a, b) => a - b);
  report.health.probes = healthMs.length;
  report.health.maxMs = Math.round((healthMs.at(-1) ?? 0) * 100) / 100;
  report.health.p99Ms = Math.round(quantile(healthMs, 0.99) * 100) / 100;
  return report;
}
