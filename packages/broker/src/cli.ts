#!/usr/bin/env node
import { isSplitflowError } from '@splitflow/contract';
import { buildBroker } from './build-broker.js';
import { loadBrokerConfig } from './config/load-config.js';

const USAGE = `usage: splitflow-broker --config broker.yaml [--host 127.0.0.1] [--port 8080]

Starts the Splitflow broker: an OIP v2 server that places each inference request on the pool
(GPU, TPU, CPU) that meets its deadline at the lowest cost. See broker.example.yaml.`;

function parseArgs(argv: string[]): { config: string; host?: string; port?: number } {
  const out: { config?: string; host?: string; port?: number } = {};
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
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  if (out.config === undefined) fail('--config is required');
  return out as { config: string; host?: string; port?: number };
}

function fail(message: string): never {
  console.error(`splitflow-broker: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { config, baseDir } = await loadBrokerConfig(args.config);
  const broker = await buildBroker(config, { baseDir });
  const url = await broker.listen({ ...(args.host !== undefined ? { host: args.host } : {}), ...(args.port !== undefined ? { port: args.port } : {}) });
  broker.app.log.info({ url, pools: config.pools.map((p) => `${p.name}:${p.hardware}`) }, 'broker listening');
  // One JSON line for scripts and tests that start the broker on port 0 (as the worker prints).
  process.stdout.write(`${JSON.stringify({ event: 'listening', url, pid: process.pid })}\n`);
  const stop = (signal: string) => {
    broker.app.log.info({ signal }, 'draining');
    broker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`splitflow-broker: ${isSplitflowError(error) ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error)}`);
  process.exit(1);
});
