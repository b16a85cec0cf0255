import { createLocalSupervisor, type Launched, type LocalSupervisor } from '@splitflow/broker';
import { type Child, startCli } from '@splitflow/test-fixtures/processes';
import { Pool } from 'undici';
import type { ReplicaSpan } from './replica-ledger.js';

// The pools of one set-up as real worker processes: a local supervisor per pool follows the broker's
// `splitflow_broker_pool_desired_replicas` as scraped from its /metrics (as KEDA would), or holds a
// fixed count; workers join by registering. Spot pools are preempted at random: a notice (SIGTERM,
// the worker drains and leaves, SIGKILL if it outlives the grace) or a hard kill.

export interface FleetPool {
  name: string;
  /** Fixed replicas (static capacity): the broker's plan is ignored. */
  fixed?: number;
  min?: number;
  max?: number;
  preempt?: { everyMs: number; graceMs: number; hardShare: number };
}

export interface FleetOptions {
  brokerUrl: string;
  token: string;
  workerCli: string;
  /** Worker flags before `--register`: catalog, model dir, models, threads. */
  workerArgs: string[];
  pools: FleetPool[];
  /** Scrape and control step. @default 250 */
  intervalMs?: number;
  /** Workers a pool may have starting at once (a fixed pool starts all of its own at once). @default 4 */
  maxStarting?: number;
  scaleDownAfterMs: number;
  random: () => number;
  log?: (line: string) => void;
}

/** One scale-up: when the plan first wanted more than ran, when the worker was started, when the broker admitted it. */
export interface ScaleUp {
  pool: string;
  url?: string;
  wantMs: number;
  launchMs: number;
  listeningMs?: number;
  healthyMs?: number;
}

export interface Preemption {
  pool: string;
  url: string;
  atMs: number;
  kind: 'notice' | 'hard';
  /** For a notice: whether it drained and exited within the grace (else it was killed at its end). */
  drainedInGrace?: boolean;
}

export interface Sample {
  atMs: number;
  pools: Record<string, { desired: number; running: number; healthy: number }>;
}

export interface Fleet {
  spans: ReplicaSpan[];
  scaleUps: ScaleUp[];
  preemptions: Preemption[];
  samples: Sample[];
  /** Starts the floors (or fixed counts) and resolves once the broker admitted all of them. */
  start(): Promise<void>;
  /** Starts following the plan (and preempting). */
  follow(): void;
  stop(): Promise<void>;
}

interface Scrape {
  desired: Map<string, number>;
  healthy: Map<string, Set<string>>;
}

/** `name{a="x",b="y"} value` lines of a Prometheus text page for one metric. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const labels: Record<string, string> = {};
    for (const l of (m[1] as string).matchAll(/(\w+)="([^"]*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

export function createFleet(o: FleetOptions): Fleet {
  const intervalMs = o.intervalMs ?? 250;
  const broker = new Pool(o.brokerUrl, { connections: 2 });
  const spans: ReplicaSpan[] = [];
  const scaleUps: ScaleUp[] = [];
  const preemptions: Preemption[] = [];
  const samples: Sample[] = [];
  const children = new Map<string, Child>();
  let last: Scrape = { desired: new Map(), healthy: new Map() };
  const pending = new Map<string, ScaleUp>();
  const wantSince = new Map<string, number>();
  const timers: NodeJS.Timeout[] = [];
  const preempted = new Set<string>();
  let stopping = false;

  async function scrape(): Promise<Scrape> {
    const res = await broker.request({ method: 'GET', path: '/metrics', headersTimeout: 10_000 });
    const text = await res.body.text();
    const desired = new Map(series(text, 'splitflow_broker_pool_desired_replicas').map((s) => [s.labels.pool as string, s.value]));
    const healthy = new Map<string, Set<string>>();
    for (const s of series(text, 'splitflow_broker_endpoint_healthy')) {
      if (s.value !== 1) continue;
      const pool = s.labels.pool as string;
      if (!healthy.has(pool)) healthy.set(pool, new Set());
      healthy.get(pool)?.add((s.labels.endpoint as string).replace(/\/+$/, ''));
    }
    return { desired, healthy };
  }

  const supervisors = new Map<string, LocalSupervisor>();
  for (const pool of o.pools) {
    const launch = async (): Promise<Launched> => {
      const spawnedMs = performance.now();
      const up = pending.get(pool.name) ?? { pool: pool.name, wantMs: spawnedMs, launchMs: spawnedMs };
      up.launchMs = spawnedMs;
      pending.delete(pool.name);
      wantSince.delete(pool.name);
      const child = await startCli(o.workerCli, [...o.workerArgs, '--register', o.brokerUrl, '--pool', pool.name], { SPLITFLOW_REGISTER_TOKEN: o.token });
      const url = child.url.replace(/\/+$/, '');
      const span: ReplicaSpan = { pool: pool.name, url, spawnedMs };
      spans.push(span);
      children.set(url, child);
      const exited = new Promise<void>((resolve) => {
        if (child.process.exitCode !== null || child.process.signalCode !== null) resolve();
        else child.process.once('exit', () => resolve());
      }).then(() => {
        span.exitedMs = performance.now();
        children.delete(url);
      });
      up.url = url;
      up.listeningMs = performance.now();
      scaleUps.push(up);
      return { url, stop: () => child.stop(), exited };
    };
    const supervisor = createLocalSupervisor({
      pool: pool.name,
      desired: () => pool.fixed ?? last.desired.get(pool.name) ?? pool.min ?? 1,
      // Running workers the broker admitted (a gauge of a worker that left may linger).
      healthy: () => (supervisors.get(pool.name)?.running ?? []).filter((w) => last.healthy.get(pool.name)?.has(w.url)).length,
      launch,
      minReplicas: pool.fixed ?? pool.min ?? 1,
      maxReplicas: pool.fixed ?? pool.max ?? 4,
      scaleDownAfterMs: o.scaleDownAfterMs,
      maxStarting: pool.fixed ?? o.maxStarting ?? 4,
      intervalMs,
      onChange: (e) => o.log?.(`${pool.name}: ${e.action} ${e.url} (${e.replicas} running, wanted ${e.desired})`),
      onError: (error) => o.log?.(`${pool.name}: ${error.message}`),
    });
    supervisors.set(pool.name, supervisor);
  }

  async function step(): Promise<void> {
    try {
      last = await scrape();
    } catch (error) {
      o.log?.(`scrape failed: ${(error as Error).message}`);
      return;
    }
    const now = performance.now();
    const sample: Sample = { atMs: now, pools: {} };
    for (const pool of o.pools) {
      const supervisor = supervisors.get(pool.name) as LocalSupervisor;
      const running = supervisor.running;
      const healthy = running.filter((w) => last.healthy.get(pool.name)?.has(w.url));
      for (const up of scaleUps) if (up.pool === pool.name && up.healthyMs === undefined && healthy.some((w) => w.url === up.url)) up.healthyMs = now;
      const max = pool.fixed ?? pool.max ?? 4;
      const desired = Math.min(max, pool.fixed ?? last.desired.get(pool.name) ?? 0);
      if (desired > running.length) {
        if (!wantSince.has(pool.name)) wantSince.set(pool.name, now);
        if (!pending.has(pool.name)) pending.set(pool.name, { pool: pool.name, wantMs: wantSince.get(pool.name) as number, launchMs: now });
      } else {
        wantSince.delete(pool.name);
        pending.delete(pool.name);
      }
      sample.pools[pool.name] = { desired, running: running.length, healthy: healthy.length };
    }
    samples.push(sample);
    await Promise.all([...supervisors.values()].map((s) => s.tick()));
  }

  function preempter(pool: FleetPool): void {
    const p = pool.preempt;
    if (!p) return;
    const schedule = () => {
      // Exponential gaps around the mean: preemptions come when they come.
      const gap = -Math.log(1 - o.random()) * p.everyMs;
      const t = setTimeout(() => {
        if (stopping) return;
        // A worker already under notice is not preempted again.
        const running = (supervisors.get(pool.name) as LocalSupervisor).running.filter((w) => !preempted.has(w.url));
        const victim = running[Math.floor(o.random() * running.length)];
        const child = victim && children.get(victim.url);
        if (victim && child) {
          const hard = o.random() < p.hardShare;
          const event: Preemption = { pool: pool.name, url: victim.url, atMs: performance.now(), kind: hard ? 'hard' : 'notice' };
          preemptions.push(event);
          preempted.add(victim.url);
          o.log?.(`${pool.name}: preempting ${victim.url} (${event.kind})`);
          if (hard) void child.kill();
          else {
            child.process.kill('SIGTERM');
            const grace = setTimeout(() => {
              event.drainedInGrace = false;
              void child.kill();
            }, p.graceMs);
            child.process.once('exit', () => {
              clearTimeout(grace);
              event.drainedInGrace ??= true;
            });
          }
        }
        schedule();
      }, gap);
      timers.push(t);
    };
    schedule();
  }

  return {
    spans,
    scaleUps,
    preemptions,
    samples,
    async start() {
      for (;;) {
        await step();
        const ready = o.pools.every((p) => {
          const want = p.fixed ?? p.min ?? 1;
          const s = supervisors.get(p.name) as LocalSupervisor;
          return s.running.length >= want && s.running.every((w) => last.healthy.get(p.name)?.has(w.url));
        });
        if (ready) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    follow() {
      const loop = setInterval(() => void step(), intervalMs);
      timers.push(loop);
      for (const pool of o.pools) preempter(pool);
    },
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all([...supervisors.values()].map((s) => s.stop()));
      await Promise.all([...children.values()].map((c) => c.kill()));
      await broker.close();
    },
  };
}
