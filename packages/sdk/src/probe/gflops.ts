import { MATMUL_WASM, MATMUL_WASM_MAX_N } from './matmul-wasm.js';

/** One n x n matrix multiply per call. */
type Kernel = () => void;

function wasmKernel(n: number): Kernel | undefined {
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(MATMUL_WASM));
    const memory = new Float32Array((exports.m as WebAssembly.Memory).buffer);
    for (let i = 0; i < n * n; i++) {
      memory[i] = (i % 13) * 0.1;
      memory[n * n + i] = (i % 7) * 0.2;
    }
    const mm = exports.mm as (n: number, a: number, b: number, c: number) => void;
    return () => mm(n, 0, n * n * 4, 2 * n * n * 4);
  } catch {
    // No WebAssembly, or a Content-Security-Policy without 'wasm-unsafe-eval'.
    return undefined;
  }
}

function jsKernel(n: number): Kernel {
  const a = new Float32Array(n * n);
  const b = new Float32Array(n * n);
  const c = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) {
    a[i] = (i % 13) * 0.1;
    b[i] = (i % 7) * 0.2;
  }
  return () => {
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let k = 0; k < n; k++) {
        const aik = a[row + k] as number;
        const col = k * n;
        for (let j = 0; j < n; j++) c[row + j] = (c[row + j] as number) + aik * (b[col + j] as number);
      }
    }
  };
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
 * The kernel is WebAssembly where it compiles (compiled before its first run, so no interpreter
 * warm-up to wait out), else JavaScript. The fastest sample counts: on a busy device a sample that
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
  const once = (n <= MATMUL_WASM_MAX_N ? wasmKernel(n) : undefined) ?? jsKernel(n);
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
