#!/usr/bin/env node
import cluster, { type Worker } from 'node:cluster';
import { isSplitflowError } from '@splitflow/contract';
import { onShutdownSignal } from '@splitflow/server-kit';
import { buildBroker } from './build-broker.js';
import { checkPoolModels, poolModelError } from './config/check-pool-models.js';
import { loadBrokerConfig } from './config/load-config.js';

const USAGE = `usage: splitflow-broker --config broker.yaml [--host 127.0.0.1] [--port 8080] [--grpc-port 8081] [--processes 1]

Starts the Splitflow broker: an OIP v2 server that places each inference request on the pool
(GPU, TPU, CPU) that meets its deadline at the lowest cost. See broker.example.yaml.
At startup it asks each pool's endpoints for the models the pool lists, and refuses to start when
none of a pool's endpoints serves one of them (endpoints that do not answer yet only warn).
--processes N runs N broker processes on the one port (node:cluster); they share async jobs and rate
limits through Redis, so N > 1 needs jobs.store: redis.
--grpc-port N also serves OIP v2 over gRPC on port N (as listen.grpcPort in the config).`;

interface Args {
  config: string;
  host?: string;
  port?: number;
  grpcPort?: number;
  processes: number;
}

function parseArgs(argv: string[]): Args {
  const out: Partial<Args> = { processes: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--config' || flag === '-c') out.config = value();
    else if (flag === '--host') out.host = value();
    else if (flag === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be an integer in [0, 65535]');
      out.port = port;
    } else if (flag === '--grpc-port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--grpc-port must be an integer in [0, 65535]');
      out.grpcPort = port;
    } else if (flag === '--processes') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 256) fail('--processes must be an integer in [1, 256]');
      out.processes = n;
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  if (out.config === undefined) fail('--config is required');
  return out as Args;
}

function fail(message: string): never {
  console.error(`splitflow-broker: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** One broker process: serves until SIGTERM or SIGINT, then drains. */
async function serve(args: Args): Promise<void> {
  const { config, baseDir } = await loadBrokerConfig(args.config);
  const pools = await checkPoolModels(config);
  if (pools.refused.length > 0) throw poolModelError(pools.refused);
  for (const warning of pools.warnings) process.stderr.write(`splitflow-broker: warning: ${warning}\n`);
  const broker = await buildBroker(config, { baseDir });
  const url = await broker.listen({
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args.port !== undefined ? { port: args.port } : {}),
    ...(args.grpcPort !== undefined ? { grpcPort: args.grpcPort } : {}),
  });
  const grpc = broker.grpc?.address;
  broker.app.log.info({ url, pools: config.pools.map((p) => `${p.name}:${p.hardware}`) }, 'broker listening');
  if (cluster.isWorker) process.send?.({ event: 'listening', url, ...(grpc !== undefined ? { grpc } : {}) });
  // One JSON line for scripts and tests that start the broker on port 0 (as the worker prints).
  else process.stdout.write(`${JSON.stringify({ event: 'listening', url, ...(grpc !== undefined ? { grpc } : {}), pid: process.pid })}\n`);
  onShutdownSignal((signal) => {
    broker.app.log.info({ signal }, 'draining');
    broker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

/**
 * The primary of `--processes N`: checks the config once, forks N brokers on the same port (node's
 * cluster hands each new connection to one of them in turn; port 0 gives them all the same free port),
 * replaces one that dies, and on SIGTERM or SIGINT lets every one drain before it exits. Each broker
 * schedules from its own in-flight work plus the load workers report, as separate replicas would.
 */
async function supervise(args: Args): Promise<void> {
  const { config } = await loadBrokerConfig(args.config);
  if ((config.jobs?.store ?? 'sqlite') !== 'redis') {
    console.error(
      `splitflow-broker: --processes ${args.processes} needs jobs.store: redis: the processes share async jobs and their leases there (a SQLite or memory store belongs to one process)`,
    );
    process.exit(2);
  }
  let stopping = false;
  const pids = new Map<Worker, number>();
  let url: string | undefined;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: { event?: string; url?: string; grpc?: string }) => {
      if (m.event !== 'listening' || m.url === undefined) return;
      pids.set(worker, worker.process.pid ?? 0);
      if (url === undefined && pids.size === args.processes) {
        url = m.url;
        process.stdout.write(
          `${JSON.stringify({ event: 'listening', url, ...(m.grpc !== undefined ? { grpc: m.grpc } : {}), pid: process.pid, pids: [...pids.values()] })}\n`,
        );
      } else if (url !== undefined) process.stdout.write(`${JSON.stringify({ event: 'replaced', pid: worker.process.pid })}\n`);
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    pids.delete(worker);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (url === undefined) {
      // Failing before it listened is a startup error (the same for every process): do not loop.
      console.error(`splitflow-broker: a broker process exited (${signal ?? code}) before listening`);
      process.exit(1);
    }
    console.error(`splitflow-broker: broker process ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  onShutdownSignal(() => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  for (let i = 0; i < args.processes; i++) fork();
}

function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (cluster.isPrimary && args.processes > 1) return supervise(args);
  return serve(args);
}

main().catch((error: unknown) => {
  console.error(`splitflow-broker: ${isSplitflowError(error) ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error)}`);
  process.exit(1);
});
