import { describe, expect, it } from 'vitest';
import { measureGflops } from './gflops.js';
import { MATMUL_WASM, MATMUL_WASM_MAX_N } from './matmul-wasm.js';

describe("the probe's WebAssembly matrix multiply", () => {
  it('computes C += A x B like a plain loop, at every size that fits its memory', () => {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(MATMUL_WASM));
    const mm = exports.mm as (n: number, a: number, b: number, c: number) => void;
    for (const n of [1, 5, 48, MATMUL_WASM_MAX_N]) {
      const m = new Float32Array((exports.m as WebAssembly.Memory).buffer);
      m.fill(0);
      const [a, b, c] = [0, n * n, 2 * n * n];
      for (let i = 0; i < n * n; i++) {
        m[a + i] = Math.sin(i);
        m[b + i] = Math.cos(i * 0.3);
        m[c + i] = 1;
      }
      mm(n, a * 4, b * 4, c * 4);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let want = 1;
          for (let k = 0; k < n; k++) want += (m[a + i * n + k] as number) * (m[b + k * n + j] as number);
          expect(m[c + i * n + j]).toBeCloseTo(want, 3);
        }
    }
  });

  it('gives the probe a speed with the wasm kernel and with the JavaScript one it falls back to', async () => {
    expect(await measureGflops({ budgetMs: 2 })).toBeGreaterThan(0);
    // Larger than the module's memory: the JavaScript kernel runs.
    expect(await measureGflops({ budgetMs: 2, n: MATMUL_WASM_MAX_N + 1 })).toBeGreaterThan(0);
  });
});
