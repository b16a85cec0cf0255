import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { responseIssues } from '@splitflow/test-fixtures/oip-spec';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorker } from './build-worker.js';

// The CLI as a real child process on a free loopback port (tsx runs the sources, resolving sibling
// packages to their sources as the tests do).

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Child {
  process: ChildProcess;
  stdout: string[];
  stderr: string;
  exited: Promise<number | null>;
  /** Resolves with the first stdout JSON line whose event matches. */
  event(name: string): Promise<Record<string, unknown>>;
}

function startCli(args: string[]): Child {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const waiters: { name: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  const result: Child = {
    process: child,
    stdout,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    event(name) {
      for (const line of stdout) {
        const parsed = tryJson(line);
        if (parsed?.event === name) return Promise.resolve(parsed);
      }
      return new Promise((resolve, reject) => {
        waiters.push({ name, resolve });
        result.exited.then((code) => reject(new Error(`worker exited (${code}) before "${name}": ${result.stderr}`)));
      });
    },
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    stdout.push(line);
    const parsed = tryJson(line);
    for (const w of waiters.filter((w) => parsed?.event === w.name)) w.resolve(parsed as Record<string, unknown>);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    result.stderr += chunk.toString();
  });
  return result;
}

function tryJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const children: Child[] = [];
afterAll(() => {
  for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGKILL');
});

/** Whether a process with this pid still exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const body = (row: number[]) => JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: row }] });

describe('splitflow-worker CLI', () => {
  it('serves on a free port; on SIGTERM finishes queued requests, then exits 0', async () => {
    // A 60 s batching delay keeps requests queued until the drain runs them.
    const child = startCli([
      '--models',
      CATALOG_PATH,
      '--serve',
      'tiny',
      '--port',
      '0',
      '--max-batch',
      '64',
      '--max-queue-delay-us',
      '60000000',
      '--log-level',
      'warn',
    ]);
    children.push(child);
    const { url } = (await child.event('listening')) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const rows = [0, 1, 2, 3, 4].map((i) => Array.from({ length: 64 }, (_, c) => Math.sin(i * 64 + c)));
    const pending = rows.map((row) =>
      fetch(`${url}/v2/models/tiny/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(row) }),
    );
    for (;;) {
      const res = await fetch(`${url}/v2/health/live`);
      if (res.headers.get('splitflow-queue-depth') === String(rows.length)) break;
    }
    child.process.kill('SIGTERM');

    const answers = await Promise.all(pending);
    const reference = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 1 } });
    try {
      for (const [i, res] of answers.entries()) {
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(responseIssues('inference_response', { headers: Object.fromEntries(res.headers), rawPayload: Buffer.from(text) })).toEqual([]);
        const lone = await reference.inject({
          method: 'POST',
          url: '/v2/models/tiny/infer',
          payload: body(rows[i] as number[]),
          headers: { 'content-type': 'application/json' },
        });
        expect((JSON.parse(text) as { outputs: { data: number[] }[] }).outputs[0]?.data).toEqual(
          (lone.json() as { outputs: { data: number[] }[] }).outputs[0]?.data,
        );
        expect((JSON.parse(text) as { parameters: Record<string, number> }).parameters['splitflow.batch_size']).toBe(rows.length);
      }
    } finally {
      await reference.close();
    }
    expect(await child.exited).toBe(0);
    expect(await child.event('closed')).toMatchObject({ signal: 'SIGTERM' });
    await expect(fetch(`${url}/v2/health/live`)).rejects.toThrow();
  });

  it('--processes 2: two worker processes share the port, answer, and drain together on SIGTERM', async () => {
    const child = startCli(['--models', CATALOG_PATH, '--serve', 'tiny', '--port', '0', '--processes', '2', '--log-level', 'warn']);
    children.push(child);
    const { url, pids, pid } = (await child.event('listening')) as { url: string; pids: number[]; pid: number };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(pid);
    expect(pids.every(alive)).toBe(true);
    const row = Array.from({ length: 64 }, (_, c) => Math.cos(c));
    const reference = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 1 } });
    try {
      const lone = await reference.inject({
        method: 'POST',
        url: '/v2/models/tiny/infer',
        payload: body(row),
        headers: { 'content-type': 'application/json' },
      });
      const expected = (lone.json() as { outputs: { data: number[] }[] }).outputs[0]?.data;
      // A connection each: the cluster hands connections to the processes in turn.
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${url}/v2/models/tiny/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: body(row),
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0]?.data).toEqual(expected);
      }
    } finally {
      await reference.close();
    }
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(await child.event('closed')).toMatchObject({ signal: 'SIGTERM' });
    expect(pids.some(alive)).toBe(false);
  });

  it('--processes 2: one process failing to start stops the rest and exits 1', async () => {
    const child = startCli(['--models', CATALOG_PATH, '--serve', 'tiny', '--port', '0', '--processes', '2', '--ep', 'webgpu']);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.stderr).toMatch(/PROVIDER_UNAVAILABLE/);
    expect(child.stderr).toMatch(/exited \(1\); stopping the others/);
  });

  it('--http-processes 2: front ends share the port and batch into one owner; errors, deadlines, metrics, health and drain hold', async () => {
    // A 20 s batching delay: a run starts once max-batch rows wait, or when the drain runs what waits.
    const child = startCli([
      ...['--models', CATALOG_PATH, '--serve', 'tiny', '--port', '0', '--http-processes', '2', '--log-level', 'warn'],
      ...['--max-batch', '6', '--max-queue-delay-us', '20000000'],
    ]);
    children.push(child);
    const { url, pids, pid } = (await child.event('listening')) as { url: string; pids: number[]; pid: number };
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(pid);
    expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);
    const infer = (row: number[], headers: Record<string, string> = {}) =>
      fetch(`${url}/v2/models/tiny/infer`, {
        method: 'POST',
        // A connection each: the cluster hands new connections to the front ends in turn, so both get some.
        headers: { 'content-type': 'application/json', connection: 'close', ...headers },
        body: body(row),
      });
    const rows = [0, 1, 2, 3, 4, 5].map((i) => Array.from({ length: 64 }, (_, c) => Math.sin(i * 64 + c)));
    const reference = await buildWorker({ catalog: CATALOG_PATH, models: ['tiny'], batching: { maxBatch: 1 } });
    try {
      const lone = async (row: number[]) =>
        (
          (
            await reference.inject({ method: 'POST', url: '/v2/models/tiny/infer', payload: body(row), headers: { 'content-type': 'application/json' } })
          ).json() as {
            outputs: { data: number[] }[];
          }
        ).outputs[0]?.data;
      // Six requests over six connections (so through both front ends) run as one batch of six in the owner.
      const answers = await Promise.all(rows.map((row) => infer(row)));
      for (const [i, res] of answers.entries()) {
        expect(res.status).toBe(200);
        expect(res.headers.get('splitflow-batch-size')).toBe('6');
        const parsed = (await res.json()) as { outputs: { data: number[] }[]; parameters: Record<string, number> };
        expect(parsed.outputs[0]?.data).toEqual(await lone(rows[i] as number[]));
        expect(parsed.parameters['splitflow.batch_size']).toBe(6);
      }

      // Errors found in a front end and in the owner keep their codes.
      const bad = await fetch(`${url}/v2/models/tiny/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { code: string }).code).toBe('INVALID_TENSOR');
      const unknown = await fetch(`${url}/v2/models/nope/infer`, { method: 'POST', body: body(rows[0] as number[]) });
      expect(unknown.status).toBe(404);
      // The deadline crosses to the owner's queue: waiting for company would outlast it.
      const late = await infer(rows[0] as number[], { 'splitflow-deadline-ms': '300' });
      expect(late.status).toBe(429);
      expect(((await late.json()) as { code: string }).code).toBe('DEADLINE_UNMEETABLE');

      // Metrics: one scrape counts every process of the pool.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^splitflow_worker_requests_total\{model="tiny",status="200"\} 6$/m);
      expect(metrics).toMatch(/^splitflow_worker_batch_size_sum\{model="tiny"\} 6$/m);
      expect(metrics).toMatch(/^splitflow_worker_event_loop_busy_seconds_total\{role="owner"\} /m);
      expect(metrics).toMatch(/^splitflow_worker_event_loop_busy_seconds_total\{role="front-end"\} /m);

      // Two requests wait in the owner's queue; SIGTERM runs them at once and answers them, then exits 0.
      const pending = [infer(rows[1] as number[]), infer(rows[2] as number[])];
      for (;;) {
        const res = await fetch(`${url}/v2/health/live`, { headers: { connection: 'close' } });
        if (res.headers.get('splitflow-queue-depth') === '2' && res.headers.get('splitflow-in-flight') === '2') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      child.process.kill('SIGTERM');
      const drained = await Promise.all(pending);
      for (const [i, res] of drained.entries()) {
        expect(res.status).toBe(200);
        expect(res.headers.get('splitflow-batch-size')).toBe('2');
        expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0]?.data).toEqual(await lone(rows[i + 1] as number[]));
      }
    } finally {
      await reference.close();
    }
    expect(await child.exited).toBe(0);
    expect(await child.event('closed')).toMatchObject({ signal: 'SIGTERM' });
    expect([pid, ...pids].some(alive)).toBe(false);
  });

  it('--http-processes 2: a front end dying stops the pool with exit 1', async () => {
    const child = startCli(['--models', CATALOG_PATH, '--serve', 'tiny', '--port', '0', '--http-processes', '2', '--log-level', 'warn']);
    children.push(child);
    const { pids } = (await child.event('listening')) as { pids: number[] };
    process.kill(pids[0] as number, 'SIGKILL');
    expect(await child.exited).toBe(1);
    expect(child.stderr).toMatch(new RegExp(`front end ${pids[0]} exited \\(SIGKILL\\); stopping the others`));
  });

  it('exits 1 with a typed message when the execution provider cannot start', async () => {
    const child = startCli(['--models', CATALOG_PATH, '--serve', 'tiny', '--port', '0', '--ep', 'webgpu']);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.stderr).toMatch(/splitflow-worker: PROVIDER_UNAVAILABLE: execution provider "webgpu" cannot start here: .*Available here: cpu/s);
  });

  it('exits 2 on a bad flag, naming it', async () => {
    const child = startCli(['--max-batch', 'lots']);
    children.push(child);
    expect(await child.exited).toBe(2);
    expect(child.stderr).toMatch(/--max-batch must be an integer/);
  });
});
