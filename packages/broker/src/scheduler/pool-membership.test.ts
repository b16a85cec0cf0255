import { cpuPool } from '@splitflow/test-fixtures/broker-pools';
import { describe, expect, it } from 'vitest';
import { addEndpoint, createPoolState, modelLoad, removeEndpoint, setHealthy, setLoaded } from './pool-state.js';

const pool = () => createPoolState(cpuPool('http://a:1/', ['m'], { costPerHour: 1, maxConcurrency: 2 }));

describe('pool membership', () => {
  it('gives a joining endpoint a fresh index; one admitted later joins the healthy and warm sets', () => {
    const p = pool();
    const load = modelLoad(p, 'm');
    const b = addEndpoint(p, 'http://b:1', false);
    expect(b.index).toBe(1);
    expect(p.healthyCount).toBe(1);
    expect([p.healthy.size, load.warm.size]).toEqual([1, 1]);
    expect(addEndpoint(p, 'http://b:1/', true)).toBe(b);
    setHealthy(b, true);
    expect([p.healthy.size, load.warm.size, modelLoad(p, 'other').warm.size]).toEqual([2, 2, 2]);
  });

  it("keeps each model's warm set to the healthy endpoints that hold it, as they say", () => {
    const p = pool();
    const a = p.endpoints[0] as (typeof p.endpoints)[number];
    const b = addEndpoint(p, 'http://b:1', true);
    const load = modelLoad(p, 'm');
    setLoaded(a, []);
    expect([load.warm.has(a), load.warm.has(b)]).toEqual([false, true]);
    load.loading.set(a, 5);
    setLoaded(a, ['m']);
    expect([load.warm.has(a), load.loading.has(a)]).toEqual([true, false]);
    setHealthy(b, false);
    expect([load.warm.has(b), p.healthy.has(b)]).toEqual([false, false]);
    setHealthy(b, true);
    expect(load.warm.has(b)).toBe(true);
    removeEndpoint(p, 'http://a:1');
    expect([load.warm.has(a), p.healthy.has(a)]).toEqual([false, false]);
  });

  it('takes a leaving endpoint out of new work, keeps the healthy count right and never readmits it', () => {
    const p = pool();
    const a = p.endpoints[0] as (typeof p.endpoints)[number];
    expect(removeEndpoint(p, 'http://a:1')).toBe(a);
    expect(p.endpoints).toEqual([]);
    expect(p.healthyCount).toBe(0);
    expect(setHealthy(a, true)).toBe(false);
    expect(p.healthyCount).toBe(0);
    expect(removeEndpoint(p, 'http://a:1')).toBeUndefined();
    // Back again: a new member with a new index, admitted by its probe.
    const again = addEndpoint(p, 'http://a:1', false);
    expect(again.index).toBe(1);
    expect(setHealthy(again, true)).toBe(true);
    expect(p.healthyCount).toBe(1);
  });
});
