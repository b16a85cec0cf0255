import { isSplitflowError } from '@splitflow/contract/core';
import { expect } from 'vitest';

/** Test support: awaits `p` and returns 'resolved', or the SplitflowError code it rejected with (anything else fails the test). */
export async function errorCodeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    expect(isSplitflowError(error)).toBe(true);
    return (error as { code: string }).code;
  }
}
