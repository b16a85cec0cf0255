// A bursty day of requests, compressed to minutes, with the shape of a public trace.
//
// Shape: BurstGPT (Wang et al., "BurstGPT: A Real-world Workload Dataset to Optimize LLM Serving
// Systems", arXiv 2401.17644; github.com/HPMLL/BurstGPT, README Figure 2 "Daily Periodicity in
// BurstGPT"), the ChatGPT conversation log: the median request count of each hour of the day, read off
// the figure's box plot by eye (so within about 10%). A night trough of 5 against a peak of 190 at
// 16h, a morning peak at 10-11h, a lunch dip at 12h. Mean over the day 83: peak to mean 2.3.
//
// Bursts: within the curve, arrivals are a Gamma renewal process in the curve's own time (the
// integrated rate), so the mean follows the day and the spacing is burstier than Poisson (coefficient
// of variation `cv`, 1 = Poisson). BurstGPT models request arrivals with a Gamma distribution; the cv
// used here is this bench's choice, not a figure from the paper.

/** Median requests per hour, 0h to 23h (BurstGPT, ChatGPT conversation log, Figure 2). */
export const BURSTGPT_HOURLY = [48, 30, 18, 10, 7, 5, 5, 5, 20, 108, 160, 158, 68, 98, 155, 185, 190, 135, 85, 100, 115, 108, 100, 78] as const;

export interface TraceClass {
  name: string;
  /** Share of arrivals (any positive weights). */
  weight: number;
}

export interface Arrival {
  /** ms from the start of the replay. */
  atMs: number;
  /** Index into the classes. */
  cls: number;
}

export interface DailyTraceOptions {
  /** Seconds the whole day is compressed into. */
  dayS: number;
  /** Arrival rate at the busiest hour, req/s (the trace is scaled so the peak hour averages this). */
  peakRate: number;
  classes: readonly TraceClass[];
  /** Coefficient of variation of the gaps in the curve's own time; 1 is Poisson. @default 2 */
  cv?: number;
  seed?: number;
  /** Hourly shape. @default BURSTGPT_HOURLY */
  hourly?: readonly number[];
}

/** A seeded generator of uniforms in [0, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Gamma(shape k, scale 1) by Marsaglia and Tsang (k < 1 boosted by U^(1/k)). */
function gamma(k: number, u: () => number): number {
  if (k < 1) return gamma(k + 1, u) * (1 - u()) ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box-Muller
      x = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (w < 1 - 0.0331 * x ** 4 || Math.log(w) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * The rate at `tS` seconds into the compressed day, req/s: the hourly medians placed at each hour's
 * middle and joined linearly (wrapping midnight), scaled so the busiest hour's middle is `peakRate`.
 */
export function rateAt(tS: number, o: Pick<DailyTraceOptions, 'dayS' | 'peakRate' | 'hourly'>): number {
  const hourly = o.hourly ?? BURSTGPT_HOURLY;
  const hours = hourly.length;
  const peak = Math.max(...hourly);
  const h = ((((tS / o.dayS) * hours - 0.5) % hours) + hours) % hours;
  const i = Math.floor(h);
  const f = h - i;
  const a = hourly[i] as number;
  const b = hourly[(i + 1) % hours] as number;
  return ((a + (b - a) * f) / peak) * o.peakRate;
}

/** Mean rate over the day against the peak (for sizing static capacity for the mean). */
export function meanToPeak(hourly: readonly number[] = BURSTGPT_HOURLY): number {
  return hourly.reduce((s, v) => s + v, 0) / hourly.length / Math.max(...hourly);
}

/**
 * Arrivals over one compressed day, in order. The same options give the same trace, so every set-up
 * replays identical requests.
 */
export function dailyTrace(o: DailyTraceOptions): Arrival[] {
  const cv = o.cv ?? 2;
  const u = uniform(o.seed ?? 42);
  const k = 1 / (cv * cv);
  const total = o.classes.reduce((s, c) => s + c.weight, 0);
  // The integrated rate on a fine grid; an arrival at integrated time L lands where the grid crosses L.
  const stepS = Math.min(0.01, o.dayS / 10_000);
  const steps = Math.ceil(o.dayS / stepS);
  const out: Arrival[] = [];
  let next = gamma(k, u) / k;
  let integrated = 0;
  for (let s = 0; s < steps; s++) {
    const t0 = s * stepS;
    const r = rateAt(t0 + stepS / 2, o);
    const end = integrated + r * stepS;
    while (next <= end && r > 0) {
      const atS = t0 + (next - integrated) / r;
      let pick = u() * total;
      let cls = 0;
      while (cls < o.classes.length - 1 && pick >= (o.classes[cls] as TraceClass).weight) pick -= (o.classes[cls++] as TraceClass).weight;
      out.push({ atMs: atS * 1000, cls });
      next += gamma(k, u) / k;
    }
    integrated = end;
  }
  return out;
}
