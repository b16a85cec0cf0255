import { type ChildProcess, spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

// Test support: Debian's dnsmasq on a free loopback port, serving A records from a hosts file that
// the test rewrites (SIGHUP makes dnsmasq read it again), like a headless Service whose pods change.

export interface DnsServer {
  /** `127.0.0.1:port`, for `discovery.dns.servers`. */
  server: string;
  /** Replaces every record: name -> addresses. Resolves once dnsmasq has been told to reload. */
  setRecords(records: Record<string, string[]>): Promise<void>;
  close(): Promise<void>;
}

export async function startDnsmasq(): Promise<DnsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-dns-'));
  const hosts = join(dir, 'hosts');
  // dnsmasq answers on UDP and TCP; a port free for TCP is taken as free for both.
  const port = await freePort();
  let generation = 0;
  const write = (records: Record<string, string[]>) => {
    generation++;
    const lines = Object.entries(records).flatMap(([name, addresses]) => addresses.map((a) => `${a} ${name}`));
    writeFileSync(hosts, [...lines, `127.0.0.1 generation-${generation}.sentinel.test`, ''].join('\n'));
    return `generation-${generation}.sentinel.test`;
  };
  // Written before dnsmasq starts: a SIGHUP before it has set its handlers would end it.
  const first = write({});
  // Debian puts it in /usr/sbin, which a non-root PATH often lacks.
  const binary = existsSync('/usr/sbin/dnsmasq') ? '/usr/sbin/dnsmasq' : 'dnsmasq';
  const child: ChildProcess = spawn(
    binary,
    [
      '--keep-in-foreground',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      // Names under .test that the file lacks do not exist (NXDOMAIN), as for a Service with no ready pods.
      '--local=/test/',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      `--addn-hosts=${hosts}`,
      '--local-ttl=0',
      '--cache-size=0',
      `--pid-file=${join(dir, 'pid')}`,
      '--user=root',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (e) => reject(new Error(`dnsmasq could not start (apt-get install dnsmasq-base): ${e.message}`)));
  });
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  // Each version of the file carries a sentinel name; once dnsmasq answers it, it serves that version.
  const served = async (name: string) => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
      try {
        if ((await resolver.resolve4(name)).length > 0) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await served(first);
  return {
    server: `127.0.0.1:${port}`,
    async setRecords(records) {
      const sentinel = write(records);
      child.kill('SIGHUP');
      await served(sentinel);
    },
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
