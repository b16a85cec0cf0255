import { describe, expect, it } from 'vitest';
import { addEndpoint, createPoolState, modelLoad, removeEndpoint, setHealthy } from './pool-state.js';

const pool = () =>
  createPoolState({ name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', costPerHour: 1, maxConcurrency: 2, models: ['m'], endpoints: [{ url: 'http://a:1/' }] });

describe('pool membership', () => {
  it('gives a joining endpoint a fresh index and grows per-endpoint arrays already made', () => {
    const p = pool();
    const load = modelLoad(p, 'm');
    load.reportedDepth[0] = 3;
    load.reportedAt[0] = 10;
    const b = addEndpoint(p, 'http://b:1', false);
    expect(b.index).toBe(1);
    expect(p.healthyCount).toBe(1);
    expect(Array.from(load.reportedDepth)).toEqual([3, 0]);
    expect(Array.from(load.reportedAt)).toEqual([10, Number.NEGATIVE_INFINITY]);
    expect(addEndpoint(p, 'http://b:1/', true)).toBe(b);
    expect(modelLoad(p, 'other').reportedDepth).toHaveLength(2);
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
