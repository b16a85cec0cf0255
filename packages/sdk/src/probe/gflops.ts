/**
 * A short matrix-multiply micro-benchmark: scalar JavaScript GFLOPS, a coarse speed class for the
 * router's priors (runtimes with SIMD and threads run several times faster; the router scales it).
 * Runs about `budgetMs` of work as back-to-back samples of at least `sampleMs` each and reports the
 * fastest: on a busy device a sample that lost the CPU to another process says nothing about this
 * device's speed, and a single timed window (the whole budget) read 100x apart across page loads.
 */
export function measureGflops(budgetMs = 15, n = 48, sampleMs = 2): number {
  const a = new Float32Array(n * n);
  const b = new Float32Array(n * n);
  const c = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) {
    a[i] = (i % 13) * 0.1;
    b[i] = (i % 7) * 0.2;
  }
  const once = () => {
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let k = 0; k < n; k++) {
        const aik = a[row + k] as number;
        const col = k * n;
        for (let j = 0; j < n; j++) c[row + j] = (c[row + j] as number) + aik * (b[col + j] as number);
      }
    }
  };
  // Warm the JIT past its baseline tier, or a cold probe reports an interpreter's speed.
  for (let w = 0; w < 3; w++) once();
  const started = performance.now();
  let bestMsPerRep = Number.POSITIVE_INFINITY;
  do {
    const sampleStart = performance.now();
    let reps = 0;
    let elapsed = 0;
    do {
      once();
      reps++;
      elapsed = performance.now() - sampleStart;
    } while (elapsed < sampleMs);
    bestMsPerRep = Math.min(bestMsPerRep, elapsed / reps);
  } while (performance.now() - started < budgetMs);
  // Keep `c` observable so the loop is not optimised away.
  if (Number.isNaN(c[0])) return 0;
  return (2 * n ** 3) / (bestMsPerRep * 1e6);
}
