import { ewma } from '@splitflow/contract';
import { BATCH_BUCKETS } from './pool-state.js';

/** Answers per (pool, model, batch bucket) the tails are taken over. */
export const TAIL_WINDOW = 32;

// The learned values, per batch bucket, packed in one array of four slots a bucket (one lookup per
// decision reads them all): ratio, service tail, finish tail, when either tail last changed.
const RATIO = 0;
const SERVICE_TAIL = BATCH_BUCKETS;
const FINISH_TAIL = 2 * BATCH_BUCKETS;
const UPDATED_AT = 3 * BATCH_BUCKETS;
const SLOTS = 4 * BATCH_BUCKETS;

// Two rings a bucket, of the last overshoots: service (in seed units) and finish (ms).
const SERVICE_RING = 0;
const FINISH_RING = BATCH_BUCKETS;
const RINGS = 2 * BATCH_BUCKETS;

const scratch = new Float64Array(TAIL_WINDOW);

/** Half-lives a ring's reference time may fall behind before its values are rescaled to a newer one. */
const RESCALE_AFTER = 64;

/**
 * What a pool has learned of one model's service, per batch bucket; the one owner of its layout.
 *
 * The service time of a request is the contract's roofline estimate from the manifest's cost profile
 * (the seed), corrected by what the pool has measured. Learning a ratio rather than raw milliseconds
 * keeps the correction valid when other dims (sequence length, image size) change the work within
 * one bucket. Per bucket:
 * - ratio: EWMA of measured / seeded service time (NaN until measured);
 * - service tail: about the 90th percentile of max(0, measured - predicted) / seed over the last
 *   `TAIL_WINDOW` answers, in the ratio's units so it scales with the work like the mean does;
 * - finish tail: the same of max(0, observed latency - predicted finish), in ms, since that is mostly
 *   queueing error, which depends on the load, not the request's size;
 * - when either was last updated (for the decay in `spreadMs`).
 * Each overshoot in a ring halves every half-life after it was seen, and the tail is taken over those
 * decayed values: a new answer that is on time lowers the tail or leaves it, never lifts the old
 * overshoots back to full height. Otherwise each rare answer of a model that a burst left with a high
 * tail would restart that tail's decay, and the model would stay refused long after the burst.
 * A deadline is met or missed by the tail, not the mean, and only overshoot counts: finishing early
 * never misses one. A percentile of a window, not a variance: with an EWMA of squared overshoot one
 * answer 51 ms late (a GC pause, one batch run ahead) puts a 60 ms deadline's tail past it and sends
 * large/i to the GPU at 40 req/s, where every request meets its deadline on the CPUs. Here one late
 * answer is never the tail: it takes a tenth of the window, at least two answers.
 */
export class LearnedService {
  private readonly slots = new Float64Array(SLOTS).fill(Number.NaN);
  /**
   * Each value is kept as seen at its ring's reference time: times 2^(age there / half-life). All age
   * alike, so their order holds, and the tail at `t` is the k-th largest scaled once to `t`.
   */
  private readonly rings = new Float64Array(RINGS * TAIL_WINDOW);
  /** Per ring: the time its values are kept at (NaN until a value with a time came). */
  private readonly ringRef = new Float64Array(RINGS).fill(Number.NaN);
  /** Per ring: next place to write. */
  private readonly next = new Uint8Array(RINGS);
  /** Per ring: values held (up to the window). */
  private readonly held = new Uint8Array(RINGS);

  /** EWMA of measured / seeded service time in `bucket`; NaN until measured. */
  ratio(bucket: number): number {
    return this.slots[RATIO + bucket] as number;
  }

  /** Service tail in `bucket`, in seed units; NaN before the second measurement. */
  serviceTail(bucket: number): number {
    return this.slots[SERVICE_TAIL + bucket] as number;
  }

  /** Finish tail in `bucket`, ms; NaN before any finish was observed. */
  finishTail(bucket: number): number {
    return this.slots[FINISH_TAIL + bucket] as number;
  }

  /** Service time of work seeded at `seed` ms: the seed scaled by the learned ratio, the seed alone before any. */
  serviceMs(bucket: number, seed: number): number {
    const ratio = this.slots[RATIO + bucket] as number;
    return Number.isNaN(ratio) ? seed : seed * ratio;
  }

  /**
   * How far above the predicted finish the tail lies at time `t`, ms: `scale` times the larger of the
   * service and finish tails, halved every `halfLifeMs` since the last observation. 0 before any
   * observation, so priors decide as they did before anything was learned.
   */
  spreadMs(bucket: number, seed: number, t: number, scale: number, halfLifeMs: number): number {
    const serviceTail = this.slots[SERVICE_TAIL + bucket] as number;
    const finishTail = this.slots[FINISH_TAIL + bucket] as number;
    const tail = Math.max(Number.isNaN(serviceTail) ? 0 : serviceTail * seed, Number.isNaN(finishTail) ? 0 : finishTail);
    if (tail === 0) return 0;
    const age = t - (this.slots[UPDATED_AT + bucket] as number);
    return age > 0 ? scale * tail * 2 ** (-age / halfLifeMs) : scale * tail;
  }

  /**
   * Folds one measured compute time of work seeded at `seed` into the ratio and the service tail; the
   * tail's older overshoots count halved every `halfLifeMs` of their age (never, by default).
   */
  observeService(bucket: number, seed: number, measuredMs: number, alpha: number, t: number, halfLifeMs = Number.POSITIVE_INFINITY): void {
    const previous = this.slots[RATIO + bucket] as number;
    const ratio = measuredMs / seed;
    if (!Number.isNaN(previous)) {
      // The first measurement's error is the prior's, not dispersion: tails start from the second.
      this.slots[SERVICE_TAIL + bucket] = this.push(SERVICE_RING + bucket, Math.max(0, ratio - previous), t, halfLifeMs);
      if (!Number.isNaN(t)) this.slots[UPDATED_AT + bucket] = t;
    }
    this.slots[RATIO + bucket] = ewma(Number.isNaN(previous) ? undefined : previous, ratio, alpha);
  }

  /** Folds one observed end-to-end latency (queueing included) against the finish the decision predicted; ages as `observeService`. */
  observeFinish(bucket: number, predictedMs: number, observedMs: number, t: number, halfLifeMs = Number.POSITIVE_INFINITY): void {
    this.slots[FINISH_TAIL + bucket] = this.push(FINISH_RING + bucket, Math.max(0, observedMs - predictedMs), t, halfLifeMs);
    this.slots[UPDATED_AT + bucket] = t;
  }

  /** Adds `value`, seen at `t`, to a ring and returns the ring's tail at `t`. */
  private push(ring: number, value: number, t: number, halfLifeMs: number): number {
    const base = ring * TAIL_WINDOW;
    // Half-lives from the reference time to `t`; an unknown time or an endless half-life ages nothing.
    let shift = 0;
    if (Number.isFinite(t) && halfLifeMs < Number.POSITIVE_INFINITY) {
      const ref = this.ringRef[ring] as number;
      if (Number.isNaN(ref)) this.ringRef[ring] = t;
      else shift = (t - ref) / halfLifeMs;
      if (shift > RESCALE_AFTER) {
        const down = 2 ** -shift;
        for (let i = 0; i < TAIL_WINDOW; i++) this.rings[base + i] = (this.rings[base + i] as number) * down;
        this.ringRef[ring] = t;
        shift = 0;
      }
    }
    const scale = shift === 0 ? 1 : 2 ** shift;
    const at = this.next[ring] as number;
    this.rings[base + at] = value * scale;
    this.next[ring] = (at + 1) % TAIL_WINDOW;
    if ((this.held[ring] as number) < TAIL_WINDOW) this.held[ring] = (this.held[ring] as number) + 1;
    return this.ringTail(ring) / scale;
  }

  /** About the 90th percentile of the ring's values (at its reference time): the k-th largest, k = max(2, ceil(n / 10)); 0 under two values. */
  private ringTail(ring: number): number {
    const n = this.held[ring] as number;
    if (n < 2) return 0;
    const k = Math.max(2, Math.ceil(n / 10));
    const base = ring * TAIL_WINDOW;
    for (let i = 0; i < n; i++) scratch[i] = this.rings[base + i] as number;
    // Partial selection: move the k largest to the front (n <= 32, k <= 4).
    for (let i = 0; i < k; i++) {
      let max = i;
      for (let j = i + 1; j < n; j++) if ((scratch[j] as number) > (scratch[max] as number)) max = j;
      const v = scratch[i] as number;
      scratch[i] = scratch[max] as number;
      scratch[max] = v;
    }
    return scratch[k - 1] as number;
  }
}
