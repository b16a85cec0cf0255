/** A worker the supervisor started: how to stop it (it drains, then exits). */
export interface Launched {
  url: string;
  stop(): Promise<void>;
  /** Settles when the worker is gone by itself (a crash, a preempted machine): it is then replaced. */
  exited?: Promise<unknown>;
}

export interface LocalSupervisorOptions {
  /** The pool it sizes. */
  pool: string;
  /** The replicas the broker says the pool needs now (its capacity plan). */
  desired(): number;
  /** The endpoints of the pool that are healthy now (started ones join once registered and probed). */
  healthy(): number;
  /** Starts one worker that joins the pool; resolves once it is listening. */
  launch(): Promise<Launched>;
  /** @default 1 */
  minReplicas?: number;
  /** @default 4 */
  maxReplicas?: number;
  /** A pool scales down only after wanting fewer replicas for this long, so a lull does not flap it. @default 30000 */
  scaleDownAfterMs?: number;
  /**
   * Workers that may be starting (launched, not yet healthy) at once. The plan is an absolute count, so
   * starting several does not overshoot it; more than one answers a steep burst sooner, as Kubernetes'
   * HPA adds up to four pods per step by default. @default 1
   */
  maxStarting?: number;
  /** @default 2000 */
  intervalMs?: number;
  /** @default performance.now */
  now?: () => number;
  /** `lost`: a worker went by itself (it exited unasked); the next steps replace it if the pool still wants it. */
  onChange?(event: { action: 'start' | 'stop' | 'lost'; url: string; replicas: number; desired: number }): void;
  onError?(error: Error): void;
}

export interface LocalSupervisor {
  /** One step of the control loop: start up to `maxStarting` workers, or stop one. */
  tick(): Promise<void>;
  /** Workers it runs. */
  readonly running: readonly Launched[];
  start(): void;
  /** Stops the loop and every worker it started. */
  stop(): Promise<void>;
}

/**
 * On one machine, what KEDA does in Kubernetes: follows the broker's desired replicas for a pool by
 * starting and stopping local worker processes. At most `maxStarting` workers start at once (a
 * starting one is counted before another is started); one stops per step, and only after the lower
 * want has lasted.
 */
export function createLocalSupervisor(o: LocalSupervisorOptions): LocalSupervisor {
  const min = o.minReplicas ?? 1;
  const max = o.maxReplicas ?? 4;
  const scaleDownAfterMs = o.scaleDownAfterMs ?? 30_000;
  const maxStarting = Math.max(1, o.maxStarting ?? 1);
  const now = o.now ?? (() => performance.now());
  const running: Launched[] = [];
  let fewerSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;

  async function step(): Promise<void> {
    const desired = Math.min(max, Math.max(min, Math.round(o.desired())));
    if (running.length < desired) {
      fewerSince = undefined;
      // Those still starting count against the limit: none is started twice for one want.
      const starting = running.length - o.healthy();
      const count = Math.min(desired - running.length, maxStarting - Math.max(0, starting));
      if (count <= 0) return;
      const launched = await Promise.allSettled(Array.from({ length: count }, () => o.launch()));
      for (const result of launched) {
        if (result.status === 'rejected') {
          o.onError?.(result.reason as Error);
          continue;
        }
        const worker = result.value;
        running.push(worker);
        o.onChange?.({ action: 'start', url: worker.url, replicas: running.length, desired });
        void worker.exited?.then(() => {
          const at = running.indexOf(worker);
          if (at < 0) return; // stopped by this supervisor
          running.splice(at, 1);
          o.onChange?.({ action: 'lost', url: worker.url, replicas: running.length, desired: Math.round(o.desired()) });
        });
      }
      return;
    }
    if (running.length > desired) {
      fewerSince ??= now();
      if (now() - fewerSince < scaleDownAfterMs) return;
      const victim = running.pop() as Launched;
      fewerSince = undefined;
      // Popped before it exits, so its exit is not taken for a loss.
      await victim.stop();
      o.onChange?.({ action: 'stop', url: victim.url, replicas: running.length, desired });
      return;
    }
    fewerSince = undefined;
  }

  const tick = () => {
    busy ??= step()
      .catch((error: Error) => o.onError?.(error))
      .finally(() => {
        busy = undefined;
      });
    return busy;
  };

  return {
    tick,
    running,
    start() {
      timer ??= setInterval(() => void tick(), o.intervalMs ?? 2000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await busy;
      await Promise.all(running.splice(0).map((w) => w.stop()));
    },
  };
}
