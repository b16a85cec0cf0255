import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { HostMessage, PageMessage } from '../examples/webview/protocol.js';
import { stop } from './engines/xvfb.js';
import { ROOT } from './stack.js';

// Runs examples/webview/host (a WKWebView-like host on WebKitGTK) and talks to it as its app code
// would: host messages in on stdin, the page's bridge messages out as JSON lines on stdout.

const HOST_SCRIPT = join(ROOT, 'examples', 'webview', 'host', 'webkit_host.py');
// Debian's interpreter: python3-gi and the WebKit typelib are system packages (scripts/ensure-browsers.sh).
const PYTHON = '/usr/bin/python3';

export interface WebViewHostOptions {
  /** The folder served as app://splitflow/. */
  root: string;
  /** The X display (Xvfb) the window opens on. */
  display: string;
  /** Storage each origin may use, as a strict host or a full disk allows. */
  originQuotaBytes?: number;
  /**
   * Runs the host in a network namespace of its own, with no route anywhere: the engine reports
   * `navigator.onLine === false`, as on a phone in flight mode. Needs root or user namespaces.
   */
  offline?: boolean;
}

export interface HostLine {
  event: string;
  message?: PageMessage;
  [key: string]: unknown;
}

export interface WebViewHost {
  /** Every line the host printed so far. */
  readonly lines: readonly HostLine[];
  post(message: HostMessage | Record<string, unknown>): void;
  /** The first bridge message (already received or still to come) that `match` accepts. */
  next(match: (message: PageMessage) => boolean, timeoutMs?: number): Promise<PageMessage>;
  close(): Promise<void>;
}

export async function startWebViewHost(options: WebViewHostOptions): Promise<WebViewHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'splitflow-webview-host-'));
  const args = [HOST_SCRIPT, '--root', options.root, '--data-dir', dataDir];
  if (options.originQuotaBytes) args.push('--origin-quota-bytes', String(options.originQuotaBytes));
  // As root a plain network namespace; otherwise one inside a user namespace.
  const netns = process.getuid?.() === 0 ? ['--net'] : ['--map-root-user', '--net'];
  const [command, argv] = options.offline ? ['unshare', [...netns, PYTHON, ...args]] : [PYTHON, args];
  // The process locale is C, as on servers and containers (the page must cope with it).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir, DISPLAY: options.display, LC_ALL: 'C', LANG: 'C' };
  const child: ChildProcess = spawn(command as string, argv as string[], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: HostLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as HostLine);
    } catch {
      lines.push({ event: 'stdout', text: line });
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      lines.push({ event: 'exit', code, signal });
      for (const wake of waiters) wake();
      resolve();
    }),
  );
  const diagnosis = () => `host lines: ${JSON.stringify(lines).slice(-3000)}; stderr: ${stderr.slice(-1500)}`;

  const next = (match: (message: PageMessage) => boolean, timeoutMs = 120_000) =>
    new Promise<PageMessage>((resolve, reject) => {
      const check = () => {
        const found = lines.find((l) => l.event === 'page' && l.message && match(l.message));
        if (found) return done(() => resolve(found.message as PageMessage));
        const fatal = lines.find((l) => l.event === 'exit' || l.event === 'load-failed' || l.event === 'web-process-terminated');
        if (fatal) done(() => reject(new Error(`the WebView host stopped (${fatal.event}) before the message came; ${diagnosis()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no matching page message within ${timeoutMs} ms; ${diagnosis()}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  return {
    lines,
    post: (message) => child.stdin?.write(`${JSON.stringify(message)}\n`),
    next,
    async close() {
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
