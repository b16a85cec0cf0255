import { MATMUL_WASM_BASE64, MATMUL_WASM_MAX_N } from './matmul-wasm.js';

/** One n x n matrix multiply per call. Throws where wasm cannot compile (no WebAssembly, or a CSP without 'wasm-unsafe-eval'). */
function wasmKernel(n: number): () => void {
  if (!(n >= 1 && n <= MATMUL_WASM_MAX_N)) throw new RangeError(`n must be 1..${MATMUL_WASM_MAX_N}`);
  const bytes = Uint8Array.from(atob(MATMUL_WASM_BASE64), (c) => c.charCodeAt(0));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = new Float32Array((exports.m as WebAssembly.Memory).buffer);
  for (let i = 0; i < n * n; i++) {
    memory[i] = (i % 13) * 0.1;
    memory[n * n + i] = (i % 7) * 0.2;
  }
  const mm = exports.mm as (n: number, a: number, b: number, c: number) => void;
  return () => mm(n, 0, n * n * 4, 2 * n * n * 4);
}

export interface GflopsOptions {
  /** Time spent multiplying, in total. @default 15 */
  budgetMs?: number;
  /** Longest wall time, when no speed has been seen twice yet. @default 250 */
  maxMs?: number;
  /** Matrix size. @default 48 */
  n?: number;
  /** Shortest sample (a whole number of multiplies). @default 1 */
  sampleMs?: number;
  /** Samples run back to back for this long, then the thread is yielded. @default 4 */
  burstMs?: number;
}

const yieldThread = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * A short matrix-multiply micro-benchmark: scalar GFLOPS, a coarse speed class for the router's
 * priors (runtimes with SIMD and threads run several times faster; the router scales it).
 * The kernel is WebAssembly (compiled before its first run, so no interpreter warm-up to wait out;
 * where wasm cannot compile the probe throws and the profile says `unknown`). The fastest sample counts: on a busy device a sample that
 * lost the CPU says nothing about this device's speed. Samples run in short bursts spread over time,
 * yielding between them, so one stretch in which the page gets no CPU (common while a page loads on
 * a busy machine) cannot own the result; it stops after `budgetMs` of sampling once the fastest speed
 * has been seen twice (within 20%), or at `maxMs`.
 */
export async function measureGflops(options: GflopsOptions = {}): Promise<number> {
  const budgetMs = options.budgetMs ?? 15;
  const maxMs = options.maxMs ?? 250;
  const n = options.n ?? 48;
  const sampleMs = options.sampleMs ?? 1;
  const burstMs = options.burstMs ?? 4;
  const once = wasmKernel(n);
  once();
  const started = performance.now();
  const samples: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let sampled = 0;
  for (;;) {
    const burstStart = performance.now();
    do {
      const sampleStart = performance.now();
      let reps = 0;
      let elapsed = 0;
      do {
        once();
        reps++;
        elapsed = performance.now() - sampleStart;
      } while (elapsed < sampleMs);
      samples.push(elapsed / reps);
      best = Math.min(best, elapsed / reps);
    } while (performance.now() - burstStart < burstMs);
    sampled += performance.now() - burstStart;
    if (performance.now() - started >= maxMs) break;
    if (sampled >= budgetMs && samples.filter((s) => s <= best * 1.2).length >= 2) break;
    await yieldThread();
  }
  return (2 * n ** 3) / (best * 1e6);
}
