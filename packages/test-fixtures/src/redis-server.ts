import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

// Test support: a real redis-server (Debian's package) on a free loopback port, in a temp directory,
// persisting like a production job store should (AOF, fsync on every write, no RDB snapshots).

export interface RunningRedis {
  url: string;
  port: number;
  /** SIGKILL: the server dies as in a crash; what it acknowledged is in its AOF. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (and so the same data). */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  close(): Promise<void>;
}

const MISSING =
  "redis-server is not installed: the broker tests need a real Redis. Run `bash scripts/ensure-redis.sh` (as root it installs Debian's redis-server) or `sudo apt-get install -y redis-server`.";

/** One raw PING over RESP: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += String(d);
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

/** Starts redis-server and resolves once it answers PING; fails with how to install it when it is missing. */
export async function startRedis(): Promise<RunningRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) throw new Error(MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';

  async function launch(): Promise<void> {
    log = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d) => {
      log += String(d);
    });
    proc.stderr?.on('data', (d) => {
      log += String(d);
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port}: ${log.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function kill(): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
