import { isSplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createDeadlineShare } from './stage.js';

describe('createDeadlineShare', () => {
  it('gives each stage its part of what is left, so unspent time passes on and overspent time is taken from later stages', () => {
    let t = 1000;
    const clock = createDeadlineShare(1000, () => t);
    // Work 3 : 1 : 1 ahead: the first stage gets 3/5 of 1000.
    expect(clock.next('a', 3, 2, 2)).toBeCloseTo(600);
    t += 200; // a finished early: 800 left for work 1 : 1
    expect(clock.next('b', 1, 1, 1)).toBeCloseTo(400);
    t += 700; // b overran its share: the last stage gets only what is left
    expect(clock.next('c', 1, 0, 0)).toBeCloseTo(100);
    expect(clock.elapsedMs()).toBe(900);
  });

  it('gives a stage of little work at least 1 / (2 n) of what is left, for the fixed costs of a call', () => {
    const clock = createDeadlineShare(1000, () => 0);
    // 1 : 99 by FLOPs would leave 10 ms; two stages to go, so at least a quarter.
    expect(clock.next('orient', 1, 99, 1)).toBeCloseTo(250);
    expect(clock.next('detect', 1, 99, 2)).toBeCloseTo(1000 / 6);
    expect(clock.next('big', 99, 1, 1)).toBeCloseTo(990);
  });

  it('refuses to start a stage once the deadline has passed, and a deadline that is not positive', () => {
    let t = 0;
    const clock = createDeadlineShare(50, () => t);
    t = 50;
    let error: unknown;
    try {
      clock.next('recognise', 1, 0);
    } catch (e) {
      error = e;
    }
    expect(isSplitflowError(error, 'TIMEOUT')).toBe(true);
    expect((error as Error).message).toMatch(/recognise/);
    expect(() => createDeadlineShare(0)).toThrow(/latencyBudgetMs must be > 0/);
  });
});
