import { describe, expect, it } from 'vitest';
import { LOAD_HEADERS, readLoadHeaders } from './load-headers.js';

describe('load headers', () => {
  it('are distinct lower-case names', () => {
    const names = Object.values(LOAD_HEADERS);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toBe(n.toLowerCase());
  });

  it('read from fetch Headers and from Node header objects', () => {
    const headers = new Headers({ 'splitflow-queue-depth': '3', 'splitflow-compute-us': '125', 'splitflow-hardware': 'gpu' });
    expect(readLoadHeaders((n) => headers.get(n))).toEqual({ queueDepth: 3, computeUs: 125, hardware: 'gpu' });
    const node: Record<string, string | string[]> = { 'splitflow-queue-us': ['40', '41'], 'splitflow-batch-size': '8', 'splitflow-model-queue-depth': '2' };
    expect(readLoadHeaders((n) => node[n])).toEqual({ queueUs: 40, batchSize: 8, modelQueueDepth: 2 });
  });

  it('ignore values that are not non-negative integers', () => {
    const h: Record<string, string> = { 'splitflow-queue-depth': '-1', 'splitflow-in-flight': 'many', 'splitflow-queue-us': '1.5' };
    expect(readLoadHeaders((n) => h[n])).toEqual({});
  });

  it('read the models a worker holds as a list (empty when it holds none) and the load wait as a number', () => {
    const h: Record<string, string> = { 'splitflow-loaded-models': 'tiny, vad,', 'splitflow-load-us': '1500' };
    expect(readLoadHeaders((n) => h[n])).toEqual({ loadedModels: ['tiny', 'vad'], loadUs: 1500 });
    expect(readLoadHeaders((n) => ({ 'splitflow-loaded-models': '' })[n])).toEqual({ loadedModels: [] });
  });
});
