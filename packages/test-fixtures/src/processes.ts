import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuPool } from './broker-pools.js';

// Test and benchmark support: real processes and servers on loopback.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const WORKER_CLI = join(root, 'packages', 'worker', 'src', 'cli.ts');
export const BROKER_CLI = join(root, 'packages', 'broker', 'src', 'cli.ts');

export interface Child {
  url: string;
  /** The whole `listening` line it printed (the broker's `--processes` primary adds `pids`). */
  listening: Record<string, unknown>;
  process: ChildProcess;
  /** SIGKILL: no drain, no goodbye. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

/**
 * Runs one of our CLIs (they print `{"event":"listening","url":...}` once they listen): a `.ts` source
 * under tsx, or a bundled `.js` with plain node (as on the GPU machine, which has no tsx).
 */
export function startCli(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const runner = script.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...runner, script, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{"event":"listening"')) return;
      const listening = JSON.parse(line) as { url: string } & Record<string, unknown>;
      resolve({ url: listening.url, listening, process: child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening: ${stderr}`)));
  });
}

export interface StalledServer {
  url: string;
  /** Resolves with the first inference request that arrives (it is never answered). */
  firstRequest: Promise<IncomingMessage>;
  close(): Promise<void>;
}

/**
 * An OIP endpoint that passes health checks and never answers an inference: work sent there stays in
 * flight, which is how tests hold a job "running" or a tenant's slot taken.
 */
export async function startStalledServer(): Promise<StalledServer> {
  let first: (req: IncomingMessage) => void = () => {};
  const firstRequest = new Promise<IncomingMessage>((resolve) => {
    first = resolve;
  });
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
      return;
    }
    req.resume();
    first(req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    firstRequest,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A broker CLI in front of one worker: a single CPU pool serving `models` (anonymous access, memory job
 * store), answering CORS requests from `corsOrigins`. Its config lives in a temp folder that `stop`
 * removes along with the process.
 */
export async function startBrokerInFront(options: {
  catalogPath: string;
  workerUrl: string;
  models: string[];
  maxConcurrency: number;
  corsOrigins?: string[];
}): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-broker-'));
  const config = {
    catalog: options.catalogPath,
    pools: [cpuPool(options.workerUrl, options.models, { maxConcurrency: options.maxConcurrency })],
    anonymous: {},
    jobs: { store: 'memory' },
    log: { level: 'warn' },
    ...(options.corsOrigins ? { cors: { origins: options.corsOrigins } } : {}),
  };
  writeFileSync(join(dir, 'broker.json'), JSON.stringify(config));
  const broker = await startCli(BROKER_CLI, ['--config', join(dir, 'broker.json')]);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  return {
    ...broker,
    kill: () => broker.kill().finally(removeDir),
    stop: () => broker.stop().finally(removeDir),
  };
}
