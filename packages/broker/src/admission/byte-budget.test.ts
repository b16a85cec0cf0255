import { isSplitflowError, SplitflowError } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { createByteBudget } from './byte-budget.js';

const refusal = () => new SplitflowError('OVERLOADED', { retryAfterS: 1 });

describe('byte budget', () => {
  it('refuses bytes past the limit per key, lets one request alone through, and gives everything back', () => {
    const budget = createByteBudget(100);
    const a = budget.take('t1', 60, refusal);
    const b = budget.take('t1', 40, refusal);
    expect(budget.held('t1')).toBe(100);
    let caught: unknown;
    try {
      budget.take('t1', 1, refusal);
    } catch (error) {
      caught = error;
    }
    expect(isSplitflowError(caught, 'OVERLOADED')).toBe(true);
    // Another key has its own budget; a single body larger than the limit still passes alone.
    const big = budget.take('t2', 500, refusal);
    expect(budget.held('t2')).toBe(500);
    a();
    a(); // released once only
    expect(budget.held('t1')).toBe(40);
    b();
    big();
    expect(budget.held('t1')).toBe(0);
    expect(budget.held('t2')).toBe(0);
  });
});
