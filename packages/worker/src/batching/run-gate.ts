/**
 * Slots for batch-class runs, shared by every model of a worker. Interactive runs never wait for it;
 * a run of batch-class requests only starts with a slot, so latency-bound work competes for the cores
 * with at most `capacity` throughput runs, whatever the models. A run in progress is never stopped.
 */
export interface RunGate {
  /** Takes a slot if one is free. */
  tryAcquire(): boolean;
  release(): void;
  /** Calls `listener` (once) when a slot is next released. */
  onRelease(listener: () => void): void;
  readonly inUse: number;
}

export function createRunGate(capacity: number): RunGate {
  let inUse = 0;
  let waiting: (() => void)[] = [];
  return {
    tryAcquire() {
      if (inUse >= capacity) return false;
      inUse++;
      return true;
    },
    release() {
      inUse = Math.max(0, inUse - 1);
      const listeners = waiting;
      waiting = [];
      for (const l of listeners) l();
    },
    onRelease(listener) {
      waiting.push(listener);
    },
    get inUse() {
      return inUse;
    },
  };
}
