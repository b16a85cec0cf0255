import { describe, expect, it } from 'vitest';
import { memoryMisfit, WASM32_MAX_BYTES } from './memory-fit.js';

describe('memoryMisfit', () => {
  it('fits under the budget, and with no budget below the wasm32 limit', () => {
    expect(memoryMisfit(10 * 2 ** 20, 64 * 2 ** 20, ['wasm'])).toBeUndefined();
    expect(memoryMisfit(WASM32_MAX_BYTES, undefined, ['wasm'])).toBeUndefined();
  });

  it('names the budget it is over', () => {
    expect(memoryMisfit(100 * 2 ** 20, 64 * 2 ** 20, ['webgpu', 'wasm'])).toBe("model needs 100.0 MiB, over this page's 64.0 MiB memory budget");
  });

  it('refuses more than wasm32 can address only where wasm is the only backend', () => {
    expect(memoryMisfit(WASM32_MAX_BYTES + 1, undefined, ['wasm'])).toMatch(/4 GiB a wasm32 runtime can address/);
    expect(memoryMisfit(WASM32_MAX_BYTES + 1, undefined, ['webgpu', 'wasm'])).toBeUndefined();
    expect(memoryMisfit(WASM32_MAX_BYTES + 1, undefined, [])).toBeUndefined();
  });
});
