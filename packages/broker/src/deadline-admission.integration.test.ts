import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerConfig } from '@splitflow/contract';
import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { BROKER_CLI, type Child, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Hard deadlines under a burst, with real processes: a worker serving text-m one request per run and a
// broker in front of it. More work arrives at once than the deadline leaves room for, so the broker and
// the worker must refuse some of it early with a typed answer and finish what they admit. The test
// asserts what each request got, not how long it took.

const SEQ = 64;
let worker: Child;
let broker: Child;

beforeAll(async () => {
  worker = await startCli(WORKER_CLI, [
    '--models',
    CATALOG_PATH,
    '--serve',
    'text-m',
    '--port',
    '0',
    '--threads',
    '1',
    '--max-batch',
    '1',
    '--max-queue',
    '1000',
    '--max-queue-wait-ms',
    '0',
  ]);
  const config: BrokerConfig = {
    catalog: CATALOG_PATH,
    pools: [cpuPool(worker.url, ['text-m'])],
    anonymous: {},
    jobs: { store: 'memory' },
    log: { level: 'error' },
  };
  const file = join(mkdtempSync(join(tmpdir(), 'splitflow-deadlines-')), 'broker.json');
  writeFileSync(file, JSON.stringify(config));
  broker = await startCli(BROKER_CLI, ['--config', file]);
}, 120_000);

afterAll(async () => {
  await broker?.stop();
  await worker?.stop();
});

interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  computeUs?: number;
  outputs?: unknown[];
}

async function infer(deadlineMs: number | undefined, i: number): Promise<Answer> {
  const ids = Array.from({ length: SEQ }, (_, j) => (i * 31 + j * 7) % 16384);
  const parameters = deadlineMs === undefined ? {} : { 'splitflow.deadline_ms': deadlineMs };
  const res = await fetch(`${broker.url}/v2/models/text-m/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input_ids', datatype: 'INT64', shape: [1, SEQ], data: ids }], parameters }),
  });
  const json = (await res.json()) as { code?: string; outputs?: unknown[]; parameters?: Record<string, unknown> };
  const answer: Answer = { status: res.status, retryAfter: res.headers.get('retry-after') };
  if (json.code !== undefined) answer.code = json.code;
  if (json.outputs !== undefined) answer.outputs = json.outputs;
  const computeUs = json.parameters?.['splitflow.compute_us'];
  if (typeof computeUs === 'number') answer.computeUs = computeUs;
  return answer;
}

describe('hard deadlines under a burst (real broker and worker processes)', () => {
  it('refuses early with DEADLINE_UNMEETABLE and Retry-After what it cannot finish in time, and completes the rest', async () => {
    // The run time of one request here and now sets the deadline: twenty runs' worth, so the first
    // requests of the burst fit with room to spare and the burst as a whole (ten times that work) cannot.
    const warm: Answer[] = [];
    for (let i = 0; i < 12; i++) warm.push(await infer(undefined, i));
    expect(warm.every((a) => a.status === 200)).toBe(true);
    const runs = warm
      .slice(2)
      .map((a) => (a.computeUs ?? 0) / 1000)
      .sort((a, b) => a - b);
    const runMs = runs[Math.floor(runs.length / 2)] as number;
    const deadlineMs = Math.max(200, Math.ceil(20 * runMs));

    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => infer(deadlineMs, i)));
    const completed = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    // Every answer is one of three typed outcomes: done, refused as unmeetable, or (an admitted run that
    // a busy machine stretched past the deadline) timed out by the broker; never an untyped failure.
    for (const a of answers) {
      if (a.status === 200) expect(a.outputs).toHaveLength(1);
      else if (a.status === 429) {
        expect(a.code).toBe('DEADLINE_UNMEETABLE');
        expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      } else {
        expect(a.status).toBe(504);
        expect(a.code).toBe('TIMEOUT');
      }
    }
    expect(completed.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    // Each refusal is the broker's own (on its estimate, no trip to the worker) or the worker's passed on.
    const metrics = await (await fetch(`${broker.url}/metrics`)).text();
    const count = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? 0);
    const byBroker = count(/splitflow_broker_refusals_total\{code="DEADLINE_UNMEETABLE"\} (\d+)/);
    const byWorker = count(/splitflow_broker_requests_total\{model="text-m",code="HTTP_429"\} (\d+)/);
    expect(byBroker + byWorker).toBe(refused.length);
  }, 120_000);
});
