import { describe, expect, it } from 'vitest';
import { createLocalSupervisor, type Launched } from './local-supervisor.js';

function harness(over: { min?: number; max?: number; maxStarting?: number } = {}) {
  let t = 0;
  let desired = 1;
  let healthy = 0;
  const log: string[] = [];
  const die = new Map<string, () => void>();
  let n = 0;
  const supervisor = createLocalSupervisor({
    pool: 'cpu',
    desired: () => desired,
    healthy: () => healthy,
    launch: async (): Promise<Launched> => {
      const url = `http://w${++n}`;
      const exited = new Promise<void>((resolve) => die.set(url, resolve));
      return {
        url,
        stop: async () => {
          log.push(`stopped ${url}`);
          die.get(url)?.();
        },
        exited,
      };
    },
    scaleDownAfterMs: 1000,
    now: () => t,
    onChange: (e) => log.push(`${e.action} ${e.url} -> ${e.replicas}/${e.desired}`),
    ...(over.min !== undefined ? { minReplicas: over.min } : {}),
    ...(over.max !== undefined ? { maxReplicas: over.max } : {}),
    ...(over.maxStarting !== undefined ? { maxStarting: over.maxStarting } : {}),
  });
  return {
    supervisor,
    log,
    /** The worker exits by itself (a crash, a preemption). */
    kill: async (url: string) => {
      die.get(url)?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
    set: (d: number, h: number) => {
      desired = d;
      healthy = h;
    },
    at: (ms: number) => {
      t = ms;
    },
  };
}

describe('local supervisor', () => {
  it('starts one worker per step up to the desired count, each after the last has joined', async () => {
    const h = harness();
    await h.supervisor.tick();
    h.set(3, 0);
    await h.supervisor.tick(); // w1 has not joined yet: wait
    expect(h.supervisor.running).toHaveLength(1);
    h.set(3, 1);
    await h.supervisor.tick();
    h.set(3, 2);
    await h.supervisor.tick();
    await h.supervisor.tick();
    expect(h.log).toEqual(['start http://w1 -> 1/1', 'start http://w2 -> 2/3', 'start http://w3 -> 3/3']);
  });

  it('scales down only after the lower want has lasted, newest first, and never below the floor', async () => {
    const h = harness();
    h.set(3, 0);
    for (let i = 0; i < 3; i++) {
      h.set(3, i);
      await h.supervisor.tick();
    }
    h.set(0, 3);
    h.at(100);
    await h.supervisor.tick();
    h.at(900);
    await h.supervisor.tick();
    expect(h.supervisor.running).toHaveLength(3);
    h.at(1100);
    await h.supervisor.tick();
    expect(h.log.slice(-2)).toEqual(['stopped http://w3', 'stop http://w3 -> 2/1']);
    h.at(1200);
    await h.supervisor.tick(); // the clock restarts after each stop
    expect(h.supervisor.running).toHaveLength(2);
    h.at(2300);
    await h.supervisor.tick();
    h.at(3400);
    await h.supervisor.tick();
    expect(h.supervisor.running.map((w) => w.url)).toEqual(['http://w1']);
  });

  it('a burst in the middle of a lull resets the scale-down clock; the ceiling holds', async () => {
    const h = harness({ max: 2 });
    h.set(5, 0);
    await h.supervisor.tick();
    h.set(5, 1);
    await h.supervisor.tick();
    await h.supervisor.tick();
    expect(h.supervisor.running).toHaveLength(2);
    h.set(1, 2);
    h.at(0);
    await h.supervisor.tick();
    h.set(2, 2);
    h.at(600);
    await h.supervisor.tick();
    h.set(1, 2);
    h.at(1200);
    await h.supervisor.tick();
    expect(h.supervisor.running).toHaveLength(2);
    await h.supervisor.stop();
    expect(h.supervisor.running).toHaveLength(0);
    expect(h.log.filter((l) => l.startsWith('stopped'))).toHaveLength(2);
  });

  it('replaces a worker that exits by itself; one it stopped is not taken for a loss', async () => {
    const h = harness();
    h.set(2, 0);
    await h.supervisor.tick();
    h.set(2, 1);
    await h.supervisor.tick();
    await h.kill('http://w1');
    expect(h.supervisor.running.map((w) => w.url)).toEqual(['http://w2']);
    h.set(2, 1);
    await h.supervisor.tick();
    expect(h.supervisor.running.map((w) => w.url)).toEqual(['http://w2', 'http://w3']);
    h.set(1, 2);
    h.at(5000);
    await h.supervisor.tick();
    h.at(6100);
    await h.supervisor.tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.log).toEqual([
      'start http://w1 -> 1/2',
      'start http://w2 -> 2/2',
      'lost http://w1 -> 1/2',
      'start http://w3 -> 2/2',
      'stopped http://w3',
      'stop http://w3 -> 1/1',
    ]);
  });

  it('starts several at once up to maxStarting, counting those still starting, never past the want', async () => {
    const h = harness({ max: 8, maxStarting: 3 });
    h.set(6, 0);
    await h.supervisor.tick();
    expect(h.supervisor.running).toHaveLength(3);
    await h.supervisor.tick(); // three starting: none more
    expect(h.supervisor.running).toHaveLength(3);
    h.set(6, 2);
    await h.supervisor.tick(); // one still starting: two more
    expect(h.supervisor.running).toHaveLength(5);
    h.set(6, 5);
    await h.supervisor.tick();
    await h.supervisor.tick();
    expect(h.supervisor.running).toHaveLength(6);
  });
});
