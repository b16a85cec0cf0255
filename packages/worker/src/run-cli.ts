import { isSplitflowError } from '@splitflow/contract';
import { parseCliArgs, USAGE } from './cli-args.js';
import { startWorker } from './start-worker.js';

/**
 * The `splitflow-worker` command: serves until SIGTERM or SIGINT, then stops accepting, finishes
 * queued and running requests and exits 0. Prints one JSON line `{"event":"listening","url":...}` on
 * stdout once it listens, so a parent process can find a port it let the OS pick. Startup errors exit
 * 1 (2 for bad flags) with `splitflow-worker: CODE: message` on stderr.
 */
export async function runWorkerCli(argv: readonly string[]): Promise<void> {
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(argv);
    if (!options) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const worker = await startWorker(options);
    process.stdout.write(
      `${JSON.stringify({ event: 'listening', url: worker.url, ...(worker.grpc ? { grpc: worker.grpc.address } : {}), pid: process.pid })}\n`,
    );
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
  } catch (error) {
    const code = isSplitflowError(error) ? error.code : 'INTERNAL';
    process.stderr.write(`splitflow-worker: ${code}: ${(error as Error).message}\n`);
    process.exit(isSplitflowError(error, 'INVALID_REQUEST') ? 2 : 1);
  }
}
