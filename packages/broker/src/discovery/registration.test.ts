import { describe, expect, it } from 'vitest';
import { noteAdmitted } from '../autoscale/startup-time.js';
import { createPoolState } from '../scheduler/pool-state.js';
import { createEndpointRegistry } from './registration.js';

const config = { name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', discovery: { register: true }, costPerHour: 1, maxConcurrency: 2, models: ['m'] } as const;

describe('endpoint registry', () => {
  it('joins on the first heartbeat, keeps an endpoint while it beats and drops it a TTL after the last', () => {
    let t = 0;
    const pool = createPoolState({ ...config, models: ['m'] });
    const events: string[] = [];
    const registry = createEndpointRegistry(
      [pool],
      [{ ...config, models: ['m'] }],
      { tokens: ['t'.repeat(16)], heartbeatMs: 100, ttlMs: 350 },
      {
        onJoin: (_p, url) => events.push(`join ${url}`),
        onLeave: (_p, url) => events.push(`leave ${url}`),
      },
      () => t,
    );
    expect(registry.heartbeat({ pool: 'cpu', url: 'http://w1:1/', models: ['m', 'other'] })).toEqual({ heartbeatMs: 100, ttlMs: 350 });
    expect(pool.endpoints.map((e) => [e.url, e.healthy])).toEqual([['http://w1:1', false]]);
    for (t = 100; t <= 1000; t += 100) {
      registry.heartbeat({ pool: 'cpu', url: 'http://w1:1', models: ['m'] });
      expect(registry.sweep()).toEqual([]);
    }
    t = 1351;
    expect(registry.sweep()).toEqual(['http://w1:1']);
    expect(pool.endpoints).toEqual([]);
    registry.heartbeat({ pool: 'cpu', url: 'http://w1:1', models: ['m'] });
    expect(events).toEqual(['join http://w1:1', 'leave http://w1:1', 'join http://w1:1']);
    expect(registry.leave('cpu', 'http://w1:1')).toBe(true);
    expect(registry.leave('cpu', 'http://w1:1')).toBe(false);
  });

  it("takes a joining worker's start from its uptime, and its start-up at admission into the pool's", () => {
    let t = 10_000;
    const pool = createPoolState({ ...config, models: ['m'] });
    const registry = createEndpointRegistry([pool], [{ ...config, models: ['m'] }], { tokens: ['t'.repeat(16)] }, {}, () => t);
    registry.heartbeat({ pool: 'cpu', url: 'http://w1:1', models: ['m'], uptimeMs: 800 });
    const [w1] = pool.endpoints;
    expect(w1?.startedAt).toBe(9200);
    // Later heartbeats do not move it.
    t = 10_300;
    registry.heartbeat({ pool: 'cpu', url: 'http://w1:1', models: ['m'], uptimeMs: 1100 });
    expect(w1?.startedAt).toBe(9200);
    noteAdmitted(w1 as (typeof pool.endpoints)[number], 10_500);
    expect(pool.startupMs).toBe(1300);
    // Measured once: a readmission after an ejection is no start-up.
    noteAdmitted(w1 as (typeof pool.endpoints)[number], 20_000);
    expect(pool.startupMs).toBe(1300);
    // A worker that says nothing of its uptime measures nothing.
    registry.heartbeat({ pool: 'cpu', url: 'http://w2:1', models: ['m'] });
    noteAdmitted(pool.endpoints[1] as (typeof pool.endpoints)[number], 30_000);
    expect(pool.startupMs).toBe(1300);
  });

  it('checks the token in constant time and refuses what cannot join', () => {
    const pool = createPoolState({ ...config, models: ['m'] });
    const registry = createEndpointRegistry([pool], [{ ...config, models: ['m'] }], { tokens: ['t'.repeat(16)] });
    expect(() => registry.authenticate(`Bearer ${'t'.repeat(16)}`)).not.toThrow();
    expect(() => registry.authenticate('Bearer nope')).toThrow(/registration token/);
    expect(() => registry.authenticate(undefined)).toThrow(/registration token/);
    expect(() => registry.heartbeat({ pool: 'gpu', url: 'http://w:1', models: ['m'] })).toThrow(/takes no registered workers/);
    expect(() => registry.heartbeat({ pool: 'cpu', url: 'w:1', models: ['m'] })).toThrow(/http\(s\) URL/);
    expect(() => registry.heartbeat({ pool: 'cpu', url: 'http://w:1', models: [] })).toThrow(/does not serve m/);
  });
});
