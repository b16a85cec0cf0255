import { describe, expect, it } from 'vitest';
import { MATMUL_WASM_SOURCE } from '../testing/matmul-wasm-source.js';
import { measureGflops } from './gflops.js';
import { MATMUL_WASM_BASE64, MATMUL_WASM_MAX_N } from './matmul-wasm.js';

const MATMUL_WASM = Uint8Array.from(atob(MATMUL_WASM_BASE64), (c) => c.charCodeAt(0));

describe("the probe's WebAssembly matrix multiply", () => {
  it('ships exactly the bytes its opcode listing assembles', () => {
    expect([...MATMUL_WASM]).toEqual([...MATMUL_WASM_SOURCE]);
  });

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

  it('gives the probe a speed, and refuses sizes its memory cannot hold', async () => {
    expect(await measureGflops({ budgetMs: 2 })).toBeGreaterThan(0);
    await expect(measureGflops({ budgetMs: 2, n: MATMUL_WASM_MAX_N + 1 })).rejects.toThrow(RangeError);
  });
});
