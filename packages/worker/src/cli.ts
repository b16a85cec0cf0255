#!/usr/bin/env node
import { isSplitflowError } from '@splitflow/contract';
import { parseCliArgs, USAGE } from './cli-args.js';
import { startWorker } from './start-worker.js';

/**
 * `splitflow-worker`: serves until SIGTERM or SIGINT, then stops accepting, finishes queued and
 * running requests and exits 0. Prints one JSON line `{"event":"listening","url":...}` on stdout once
 * it listens, so a parent process can find a port it let the OS pick.
 */
async function main(): Promise<number | undefined> {
  const options = parseCliArgs(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const worker = await startWorker(options);
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: worker.url, pid: process.pid })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    worker.app.log.info({ signal }, 'draining');
    worker.close().then(
      () => {
        process.stdout.write(`${JSON.stringify({ event: 'closed', signal })}\n`);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`splitflow-worker: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    const code = isSplitflowError(error) ? error.code : 'INTERNAL';
    process.stderr.write(`splitflow-worker: ${code}: ${(error as Error).message}\n`);
    process.exit(isSplitflowError(error, 'INVALID_REQUEST') ? 2 : 1);
  },
);
