/**
 * The sum and count of the values endpoints reported within the last `freshnessMs`, kept as reports
 * come and go rather than summed over every endpoint per decision. Reports enter a FIFO in time order
 * (the scheduler's clock never goes back); one older than the window leaves the sum when it reaches
 * the FIFO's head, unless a newer report from the same endpoint has replaced it already.
 */
export class FreshReports {
  // Per endpoint index, grown by doubling: dense typed arrays, never holey ones.
  private value = new Float64Array(16);
  private at = new Float64Array(16).fill(Number.NEGATIVE_INFINITY);
  private fifoIndex: number[] = [];
  private fifoAt: number[] = [];
  private head = 0;
  private total = 0;
  private fresh = 0;

  constructor(private readonly freshnessMs: number) {}

  /** Endpoint `index` reported `value` at `t`. */
  report(index: number, value: number, t: number): void {
    if (index >= this.at.length) this.grow(index);
    this.expire(t);
    this.forget(index);
    this.value[index] = value;
    this.at[index] = t;
    this.total += value;
    this.fresh++;
    this.fifoIndex.push(index);
    this.fifoAt.push(t);
  }

  /** The endpoint's report no longer counts (it was ejected or left). */
  forget(index: number): void {
    if (index >= this.at.length || this.at[index] === Number.NEGATIVE_INFINITY) return;
    this.total -= this.value[index] as number;
    this.fresh--;
    this.at[index] = Number.NEGATIVE_INFINITY;
    // Adding and taking away floating values drifts; with nothing counted the sum is exactly 0.
    if (this.fresh === 0) this.total = 0;
  }

  /** Sum of the fresh reports at `t`. */
  sum(t: number): number {
    this.expire(t);
    return Math.max(0, this.total);
  }

  /** Endpoints with a fresh report at `t`. */
  count(t: number): number {
    this.expire(t);
    return this.fresh;
  }

  /** The endpoint's fresh report at `t`, or undefined. */
  of(index: number, t: number): number | undefined {
    return index < this.at.length && t - (this.at[index] as number) <= this.freshnessMs ? this.value[index] : undefined;
  }

  private grow(index: number): void {
    let size = this.at.length;
    while (size <= index) size *= 2;
    const value = new Float64Array(size);
    value.set(this.value);
    const at = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
    at.set(this.at);
    this.value = value;
    this.at = at;
  }

  private expire(t: number): void {
    const fifoAt = this.fifoAt;
    while (this.head < fifoAt.length && t - (fifoAt[this.head] as number) > this.freshnessMs) {
      const index = this.fifoIndex[this.head] as number;
      // Only the endpoint's latest report leaves the sum; an older one was taken out when replaced.
      if (this.at[index] === fifoAt[this.head]) this.forget(index);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > fifoAt.length) {
      this.fifoIndex = this.fifoIndex.slice(this.head);
      this.fifoAt = this.fifoAt.slice(this.head);
      this.head = 0;
    }
  }
}
