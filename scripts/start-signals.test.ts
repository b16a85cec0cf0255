import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './stack.js';

// `npm start` stopped as process managers and container runtimes stop it: a signal to one process of
// the tree, not the group. Real npm, real node, the catalog's tiny model; nothing may be left running.

const started: ChildProcess[] = [];
afterEach(() => {
  // Whatever a failed test left: the whole group (started detached, so it is ours alone).
  for (const child of started.splice(0)) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
});

/** Every descendant of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

async function startStack(): Promise<{ npm: ChildProcess; tree: number[] }> {
  const npm = spawn('npm', ['start', '--', '--no-models', '--no-app', '--serve', 'tiny', '--broker-port', '0'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(npm);
  const lines = createInterface({ input: npm.stdout as NodeJS.ReadableStream });
  let output = '';
  npm.stderr?.on('data', (d) => {
    output += String(d);
  });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      output += `${line}\n`;
      if (line.includes('Broker (OIP v2):')) resolve();
    });
    npm.once('exit', (code) => reject(new Error(`npm start exited (${code}) before serving: ${output}`)));
  });
  return { npm, tree: [npm.pid as number, ...descendants(npm.pid as number)] };
}

async function gone(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 200 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

describe('npm start', () => {
  it.each([
    ['SIGTERM', 'npm'],
    ['SIGINT', 'npm'],
    ['SIGTERM', 'node'],
  ] as const)('stops every process on %s to the %s process', async (signal, target) => {
    const { npm, tree } = await startStack();
    const node = tree.find((pid) => pid !== npm.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/start.ts'));
    expect(node).toBeDefined();
    // Nothing but npm and node: the shell npm runs scripts with gave its place to node.
    expect(tree.filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sh')).toEqual([]);
    const exited = once(npm, 'exit');
    process.kill(target === 'npm' ? (npm.pid as number) : (node as number), signal);
    await exited;
    expect(await gone(tree)).toEqual([]);
  });
});
