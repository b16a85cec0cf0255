import { type ChildProcess, spawn } from 'node:child_process';

// Commands of the consumer test, run as a user would type them; a failure shows the command's output.

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The environment a developer's terminal would give the command: the test runner's own, less what the
 * runner's process picked up on the way. An in-process `vite build` elsewhere in the run sets
 * NODE_ENV=production, with which `npm install` leaves out the app's devDependencies (vite, typescript);
 * the npm_* variables of the `npm test` around the run describe this repository, not the app.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_ENV' || name.toLowerCase().startsWith('npm_')) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command to completion; resolves with its stdout, rejects with its output when it fails. */
export function run(command: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: userEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
    });
  });
}

export interface Server {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a long-running server; resolves once `readyUrl` answers (its output's colours vary with the terminal). */
export async function start(command: string, args: string[], options: RunOptions & { readyUrl: string; timeoutMs?: number }): Promise<Server> {
  const child = spawn(command, args, { cwd: options.cwd, env: userEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output += String(d);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode} before it was ready:\n${output}`);
    const ok = await fetch(options.readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { process: child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${command} ${args.join(' ')} did not answer ${options.readyUrl}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
