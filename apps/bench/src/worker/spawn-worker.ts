import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SpawnedWorker {
  url: string;
  /** The end of what the worker wrote to stderr so far. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/**
 * Starts a worker as a child process (so the load generator does not share its event loop) and
 * resolves with its URL once it prints its `listening` line. `command` is the node arguments that run
 * the CLI: the sources through tsx here, or the bundled benchmark on the GPU machine.
 */
export function spawnWorker(command: readonly string[], args: readonly string[], cwd: string): Promise<SpawnedWorker> {
  const child = spawn(process.execPath, [...command, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    exited.then((code) => reject(new Error(`worker exited (${code}) before listening: ${stderr.slice(-2000)}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: { event?: string; url?: string } = {};
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      if (event.event === 'listening' && event.url) {
        resolve({
          url: event.url,
          stderrTail: () => stderr.slice(-2000),
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
  });
}
