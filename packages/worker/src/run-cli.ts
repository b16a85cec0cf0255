import cluster from 'node:cluster';
import { isSplitflowError } from '@splitflow/contract';
import { httpUrl, onShutdownSignal } from '@splitflow/server-kit';
import { parseCliArgs, USAGE } from './cli-args.js';
import { runFrontEnd, runOwner } from './front-ends/run-front-ends.js';
import { startWorker } from './start-worker.js';

const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

/**
 * The `splitflow-worker` command: serves until SIGTERM or SIGINT, then stops accepting, finishes
 * queued and running requests and exits 0. Prints one JSON line `{"event":"listening","url":...}` on
 * stdout once it listens, so a parent process can find a port it let the OS pick. Startup errors exit
 * 1 (2 for bad flags) with `splitflow-worker: CODE: message` on stderr.
 *
 * With `--processes N` (N > 1) this process forks N workers that share one port (node:cluster hands
 * connections out in turn) and speaks for them: one `listening` line once all listen (with their
 * pids), SIGTERM drains them all, and if one dies the rest are stopped and it exits 1. One event loop
 * parses about 10k small requests a second; a GPU can take more, and each process brings its own.
 * With `--http-processes N` this process owns the sessions and N front ends parse the requests
 * (front-ends/run-front-ends.ts), so rows from all of them merge into one batch.
 */
export async function runWorkerCli(argv: readonly string[]): Promise<void> {
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(argv);
    if (!options) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const { processes = 1, httpProcesses, ...workerOptions } = options;
    if (httpProcesses !== undefined && cluster.isPrimary) {
      await runOwner(workerOptions, httpProcesses, say);
      return;
    }
    if (processes > 1 && cluster.isPrimary) {
      superviseProcesses(processes, workerOptions.host ?? '127.0.0.1');
      return;
    }
    const worker = httpProcesses !== undefined ? await runFrontEnd(workerOptions) : await startWorker(workerOptions);
    // Inside a cluster the supervisor speaks for the processes.
    const quiet = cluster.isWorker;
    if (!quiet) say({ event: 'listening', url: worker.url, ...(worker.grpc ? { grpc: worker.grpc.address } : {}), pid: process.pid });
    onShutdownSignal((signal) => {
      worker.app.log.info({ signal }, 'draining');
      worker.close().then(
        () => {
          if (!quiet) say({ event: 'closed', signal });
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`splitflow-worker: shutdown failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
    });
  } catch (error) {
    const code = isSplitflowError(error) ? error.code : 'INTERNAL';
    process.stderr.write(`splitflow-worker: ${code}: ${(error as Error).message}\n`);
    process.exit(isSplitflowError(error, 'INVALID_REQUEST') ? 2 : 1);
  }
}

/** Forks `count` workers with this process's arguments and reports for them (see runWorkerCli). */
function superviseProcesses(count: number, host: string): void {
  const listening = new Set<number>();
  let stopping: string | undefined;
  let failed = false;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  cluster.on('listening', (worker, address) => {
    listening.add(worker.process.pid as number);
    if (listening.size === count) {
      say({ event: 'listening', url: httpUrl(host, address.port), pid: process.pid, pids: [...listening] });
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping === undefined && !failed) {
      // One process gone unasked (a startup error, a crash): the pool is not what was asked for.
      failed = true;
      process.stderr.write(`splitflow-worker: process ${worker.process.pid} exited (${code ?? signal}); stopping the others\n`);
      stopAll('SIGTERM');
    }
    if (code !== 0) failed = true;
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    if (!failed && stopping) say({ event: 'closed', signal: stopping });
    process.exit(failed ? 1 : 0);
  });
  onShutdownSignal((signal) => {
    stopping = signal;
    stopAll('SIGTERM');
  });
  for (let i = 0; i < count; i++) cluster.fork();
}
