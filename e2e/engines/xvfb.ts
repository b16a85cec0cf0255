import { type ChildProcess, spawn } from 'node:child_process';

// A virtual display for the engines that need one (WebKitGTK's MiniBrowser, the WebView host).

/** SIGTERM, resolved once the process has exited. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts Xvfb on a display it picks itself (-displayfd), so concurrent runs never collide on a number. */
export async function startXvfb(): Promise<{ child: ChildProcess; display: string }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdio[3]?.once('data', (d: Buffer) => resolve(`:${d.toString().trim()}`));
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr.slice(-2000)}`)));
  });
  return { child, display };
}
