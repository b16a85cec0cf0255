import { isSplitflowError, type NamedTensor } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { type BatchingConfig, DEFAULT_BATCHING } from '../config.js';
import type { BatchLayout } from './batch-layout.js';
import { type BatchOutcome, type BatchQueue, createBatchQueue } from './batch-queue.js';
import { createRunGate } from './run-gate.js';

// The queue against a pure function model (y = 10 x per row): the run seam is exercised for real by
// the worker tests with onnxruntime; here we observe how requests are grouped.

const layout: BatchLayout = { dim: 'batch', inputAxes: new Map([['x', 0]]), outputAxes: new Map([['y', 0]]) };
const rows = (values: number[]): NamedTensor[] => [{ name: 'x', datatype: 'FP32', shape: [values.length, 1], data: Float32Array.from(values) }];
const values = (o: BatchOutcome) => Array.from((o.outputs[0] as NamedTensor).data as Float32Array);

/** Runs that can be held at their start and released together. */
function runGate() {
  const gates: (() => void)[] = [];
  let hold = false;
  return {
    /** Awaited by a run as it starts: returns at once unless runs are held. */
    pass: async () => {
      if (hold) await new Promise<void>((resolve) => gates.push(resolve));
    },
    holdRuns: () => {
      hold = true;
    },
    release: () => {
      hold = false;
      for (const g of gates.splice(0)) g();
    },
  };
}

function setup(config: Partial<BatchingConfig>, options: { fail?: (x: Float32Array) => boolean; layout?: BatchLayout | null } = {}) {
  const runs: number[][] = [];
  const { pass, holdRuns, release } = runGate();
  const queue = createBatchQueue({
    model: 'm',
    layout: options.layout === null ? undefined : (options.layout ?? layout),
    config: { ...DEFAULT_BATCHING, ...config },
    async run(inputs) {
      const x = (inputs[0] as NamedTensor).data as Float32Array;
      runs.push(Array.from(x));
      await pass();
      if (options.fail?.(x)) throw new Error('bad row');
      return [{ name: 'y', datatype: 'FP32', shape: (inputs[0] as NamedTensor).shape, data: x.map((v) => v * 10) }];
    },
  });
  return { queue, runs, holdRuns, release };
}

/** A queue on an injected clock whose every run takes `runMs(rows)` of it; runs can be held at their start. */
function clockedSetup(config: Partial<BatchingConfig>, runMs: (rows: number) => number) {
  const clock = { t: 0 };
  const ran: number[] = [];
  const { pass, holdRuns, release } = runGate();
  const queue = createBatchQueue({
    model: 'm',
    layout,
    config: { ...DEFAULT_BATCHING, maxBatch: 1, ...config },
    now: () => clock.t,
    async run(inputs) {
      ran.push(((inputs[0] as NamedTensor).data as Float32Array)[0] as number);
      await pass();
      clock.t += runMs((inputs[0] as NamedTensor).shape[0] as number);
      return [{ ...(inputs[0] as NamedTensor), name: 'y' }];
    },
  });
  return { queue, clock, ran, holdRuns, release };
}

/** Ten one-row interactive runs and ten eight-row batch runs: both classes have a run-time tail. */
async function warmBothClasses(queue: BatchQueue): Promise<void> {
  for (let i = 0; i < 10; i++) await queue.submit(rows([i]), 'interactive');
  for (let i = 0; i < 10; i++) await queue.submit(rows([0, 1, 2, 3, 4, 5, 6, 7]), 'batch');
}

describe('createBatchQueue', () => {
  it('merges requests that queue while the model is busy, up to maxBatch rows, and splits results back', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 4 });
    holdRuns();
    const first = queue.submit(rows([1]));
    const rest = [queue.submit(rows([2])), queue.submit(rows([3, 4])), queue.submit(rows([5])), queue.submit(rows([6]))];
    expect(queue.depth).toBe(4);
    release();
    const outcomes = await Promise.all([first, ...rest]);
    expect(runs).toEqual([[1], [2, 3, 4, 5], [6]]);
    expect(outcomes.map(values)).toEqual([[10], [20], [30, 40], [50], [60]]);
    expect(outcomes.map((o) => o.batchSize)).toEqual([1, 4, 4, 4, 1]);
    expect(outcomes[2]?.requests).toBe(3);
  });

  it('waits up to maxQueueDelayUs for company, and runs at once when the batch is full', async () => {
    const { queue, runs } = setup({ maxBatch: 3, maxQueueDelayUs: 60_000_000 });
    const outcomes = await Promise.all([queue.submit(rows([1])), queue.submit(rows([2])), queue.submit(rows([3]))]);
    expect(runs).toEqual([[1, 2, 3]]);
    expect(outcomes.map(values)).toEqual([[10], [20], [30]]);
  });

  it('pads each run up to the next bucket with copies of its last row, and answers only the real rows', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 8, buckets: [1, 4, 8] });
    holdRuns();
    const first = queue.submit(rows([1]));
    const rest = [queue.submit(rows([2])), queue.submit(rows([3, 4])), queue.submit(rows([5, 6, 7, 8, 9, 11]))];
    release();
    const outcomes = await Promise.all([first, ...rest]);
    // 1 row runs as is; 1 + 2 rows go up to 4 (the 6-row request does not fit beside them), then 6 up to 8.
    expect(runs).toEqual([[1], [2, 3, 4, 4], [5, 6, 7, 8, 9, 11, 11, 11]]);
    expect(outcomes.map(values)).toEqual([[10], [20], [30, 40], [50, 60, 70, 80, 90, 110]]);
    expect(outcomes.map((o) => o.batchSize)).toEqual([1, 3, 3, 6]);
  });

  it('pads a lone request too, and leaves one past the largest bucket as it is', async () => {
    const { queue, runs } = setup({ maxBatch: 2, buckets: [2] });
    const lone = await queue.submit(rows([7]));
    const big = await queue.submit(rows([1, 2, 3]));
    expect(runs).toEqual([
      [7, 7],
      [1, 2, 3],
    ]);
    expect(values(lone)).toEqual([70]);
    expect(values(big)).toEqual([10, 20, 30]);
  });

  it('pads with the last real row when the last request of a run has none, and leaves an empty run as it is', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 4, buckets: [4] });
    holdRuns();
    const first = queue.submit(rows([1]));
    const pair = [queue.submit(rows([2])), queue.submit(rows([]))];
    release();
    const outcomes = await Promise.all([first, ...pair]);
    expect(runs).toEqual([
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ]);
    expect(outcomes.map(values)).toEqual([[10], [20], []]);
    const empty = setup({ maxBatch: 4, buckets: [4] });
    expect(values(await empty.queue.submit(rows([])))).toEqual([]);
    expect(empty.runs).toEqual([[]]);
  });

  it('runs a request larger than maxBatch alone', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 2 });
    holdRuns();
    const a = queue.submit(rows([0]));
    const big = queue.submit(rows([1, 2, 3]));
    const c = queue.submit(rows([4]));
    release();
    const outcomes = await Promise.all([a, big, c]);
    expect(runs).toEqual([[0], [1, 2, 3], [4]]);
    expect(outcomes[1]?.batchSize).toBe(3);
  });

  it('never merges requests whose other dims differ', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 8 });
    holdRuns();
    const wide = (v: number[]): NamedTensor[] => [{ name: 'x', datatype: 'FP32', shape: [1, v.length], data: Float32Array.from(v) }];
    const p = [queue.submit(rows([0])), queue.submit(wide([1, 2])), queue.submit(rows([3])), queue.submit(wide([4, 5]))];
    release();
    await Promise.all(p);
    // The head (a [1,2] row) takes the later [1,2] row along, skipping the [1,1] one, which runs next.
    expect(runs).toEqual([[0], [1, 2, 4, 5], [3]]);
  });

  it('runs one request at a time for a model without a batch layout', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 8 }, { layout: null });
    holdRuns();
    const p = [queue.submit(rows([1])), queue.submit(rows([2])), queue.submit(rows([3]))];
    release();
    const outcomes = await Promise.all(p);
    expect(runs).toEqual([[1], [2], [3]]);
    expect(outcomes.map((o) => o.batchSize)).toEqual([1, 1, 1]);
  });

  it('refuses work beyond maxQueue with OVERLOADED and a Retry-After estimate', async () => {
    const { queue, holdRuns, release } = setup({ maxQueue: 2 });
    holdRuns();
    const running = queue.submit(rows([0]));
    const waiting = [queue.submit(rows([1])), queue.submit(rows([2]))];
    const refused = await queue.submit(rows([3])).catch((e: unknown) => e);
    expect(isSplitflowError(refused, 'OVERLOADED')).toBe(true);
    expect((refused as { retryAfterS: number }).retryAfterS).toBeGreaterThanOrEqual(1);
    release();
    expect((await Promise.all([running, ...waiting])).map(values)).toEqual([[0], [10], [20]]);
  });

  it('refuses at once a request whose expected wait is over maxQueueWaitMs, with a Retry-After beyond that wait', async () => {
    // Every run takes 100 ms of the injected clock.
    const { queue, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 250 }, () => 100);
    // Learn the run time: twenty runs of 100 ms.
    for (let i = 0; i < 20; i++) await queue.submit(rows([i]));
    holdRuns();
    const admitted = [queue.submit(rows([0])), queue.submit(rows([1])), queue.submit(rows([2])), queue.submit(rows([3]))];
    // One runs, three wait: a fourth waiter would wait ~300 ms.
    expect(queue.depth).toBe(3);
    const refused = await queue.submit(rows([4])).catch((e: unknown) => e);
    expect(isSplitflowError(refused, 'OVERLOADED')).toBe(true);
    expect((refused as { message: string }).message).toMatch(/about 29\d ms, the limit is 250 ms/);
    expect((refused as { retryAfterS: number }).retryAfterS).toBeGreaterThanOrEqual(1);
    release();
    const settled = await Promise.allSettled(admitted);
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
  });

  it('refuses a request its deadline cannot wait for, and drops one whose deadline passes in the queue, unrun', async () => {
    const { queue, clock, ran, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 0 }, () => 100);
    for (let i = 0; i < 20; i++) await queue.submit(rows([100 + i]));
    ran.length = 0;
    holdRuns();
    const first = queue.submit(rows([1]), 'interactive', 150);
    // One run ahead (~100 ms) plus its own: over 150 ms, so refused now; with 500 ms it waits.
    const refused = await queue.submit(rows([2]), 'interactive', 150).catch((e: unknown) => e);
    expect(isSplitflowError(refused, 'DEADLINE_UNMEETABLE')).toBe(true);
    const expiring = queue.submit(rows([3]), 'interactive', 250);
    const patient = queue.submit(rows([4]), 'interactive', 10_000);
    // The first run ends 300 ms later: the request with 250 ms left has expired by then.
    clock.t += 300;
    release();
    await first;
    await expect(expiring).rejects.toMatchObject({ code: 'DEADLINE_UNMEETABLE' });
    await patient;
    expect(ran).toEqual([1, 4]);
  });

  it('re-checks the deadline when a request reaches the head: too little left for a run drops it unrun', async () => {
    const { queue, clock, ran, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 0 }, () => 100);
    for (let i = 0; i < 20; i++) await queue.submit(rows([100 + i]));
    ran.length = 0;
    holdRuns();
    const first = queue.submit(rows([1]));
    // Admitted: a run ahead and its own (about 200-300 ms) fit 450 ms and 900 ms.
    const late = queue.submit(rows([2]), 'interactive', 450);
    const inTime = queue.submit(rows([3]), 'interactive', 900);
    // The run ahead takes 400 ms (the slowest run now): 50 ms are left for `late` (not yet expired), 500 ms for the other.
    clock.t += 300;
    release();
    await first;
    await expect(late).rejects.toMatchObject({ code: 'DEADLINE_UNMEETABLE' });
    await inTime;
    expect(ran).toEqual([1, 3]);
  });

  it('counts runs at their recent tail against a deadline: runs that alternate fast and slow do not admit on the mean', async () => {
    // 250 and 50 ms in turn, ending on a fast one: a mean near 130 ms, a tail of 250 ms.
    let next = 0;
    const { queue, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 0 }, () => (next++ % 2 === 0 ? 250 : 50));
    for (let i = 0; i < 20; i++) await queue.submit(rows([i]));
    holdRuns();
    const running = queue.submit(rows([1]));
    // A run in progress and its own: about 500 ms at the tail (under 400 ms on the mean), over 450 ms.
    const refused = await queue.submit(rows([2]), 'interactive', 450).catch((e: unknown) => e);
    expect(isSplitflowError(refused, 'DEADLINE_UNMEETABLE')).toBe(true);
    const admitted = queue.submit(rows([3]), 'interactive', 2000);
    release();
    await running;
    await admitted;
  });

  it("counts an interactive request's own run and the interactive runs ahead at their class's tail, not at a batch run's", async () => {
    // One-row interactive runs take 20 ms, eight-row batch runs 400 ms: warmed so both classes have a tail.
    const { queue, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 0 }, (n) => (n >= 8 ? 400 : 20));
    await warmBothClasses(queue);
    holdRuns();
    const running = queue.submit(rows([1]), 'interactive');
    const queuedBatch = queue.submit(rows([0, 1, 2, 3, 4, 5, 6, 7]), 'batch');
    // The run in progress (20 ms) and its own (20 ms); the batch request waits behind it: admitted.
    const admitted = queue.submit(rows([2]), 'interactive', 100);
    // A batch request with the same deadline waits for the interactive one and the 400 ms batch run: refused.
    const batchRefused = await queue.submit(rows([0, 1, 2, 3, 4, 5, 6, 7]), 'batch', 100).catch((e: unknown) => e);
    expect(isSplitflowError(batchRefused, 'DEADLINE_UNMEETABLE')).toBe(true);
    release();
    await Promise.all([running, queuedBatch, admitted]);
  });

  it('counts a batch run in progress against an interactive deadline: a run is not preempted', async () => {
    const { queue, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 0 }, (n) => (n >= 8 ? 400 : 20));
    await warmBothClasses(queue);
    holdRuns();
    const batchRun = queue.submit(rows([0, 1, 2, 3, 4, 5, 6, 7]), 'batch');
    // 400 ms of the batch run, then its own 20 ms.
    const refused = await queue.submit(rows([1]), 'interactive', 300).catch((e: unknown) => e);
    expect(isSplitflowError(refused, 'DEADLINE_UNMEETABLE')).toBe(true);
    const admitted = queue.submit(rows([2]), 'interactive', 500);
    release();
    await Promise.all([batchRun, admitted]);
  });

  it("leaves a run of a shape not seen before out of the deadline's tail: it pays one-time work", async () => {
    // Two-row runs take 1 s the first time (kernels built for the shape), as do later ones here.
    const { queue, holdRuns, release } = clockedSetup({ maxQueueWaitMs: 0 }, (n) => (n === 2 ? 1000 : 20));
    for (let i = 0; i < 10; i++) await queue.submit(rows([i]), 'interactive');
    await queue.submit(rows([1, 2]), 'interactive');
    // The first two-row run is left out: 20 ms in progress and 20 ms of its own fit 100 ms.
    holdRuns();
    let running = queue.submit(rows([1]), 'interactive');
    const admitted = queue.submit(rows([2]), 'interactive', 100);
    release();
    await Promise.all([running, admitted]);
    // A second two-row run of 1 s is a real run time of this queue, and counts.
    await queue.submit(rows([3, 4]), 'interactive');
    holdRuns();
    running = queue.submit(rows([1]), 'interactive');
    const refused = await queue.submit(rows([2]), 'interactive', 100).catch((e: unknown) => e);
    expect(isSplitflowError(refused, 'DEADLINE_UNMEETABLE')).toBe(true);
    release();
    await running;
  });

  it('reruns a failed merged batch request by request, so one bad request fails alone', async () => {
    const { queue, holdRuns, release } = setup({ maxBatch: 8 }, { fail: (x) => x.includes(-1) });
    holdRuns();
    const first = queue.submit(rows([0]));
    const good = queue.submit(rows([1]));
    const bad = queue.submit(rows([-1]));
    const good2 = queue.submit(rows([2]));
    release();
    expect(values(await first)).toEqual([0]);
    expect(values(await good)).toEqual([10]);
    expect(values(await good2)).toEqual([20]);
    await expect(bad).rejects.toThrow('bad row');
  });

  it('drain runs queued work without waiting out the delay, then refuses new work', async () => {
    const { queue, runs } = setup({ maxBatch: 64, maxQueueDelayUs: 60_000_000 });
    const pending = [queue.submit(rows([1])), queue.submit(rows([2]))];
    expect(queue.depth).toBe(2);
    await queue.drain();
    expect((await Promise.all(pending)).map(values)).toEqual([[10], [20]]);
    expect(runs).toEqual([[1, 2]]);
    const late = await queue.submit(rows([3])).catch((e: unknown) => e);
    expect(isSplitflowError(late, 'SHUTTING_DOWN')).toBe(true);
  });
});

describe('priority between interactive and batch requests', () => {
  it('puts interactive requests ahead of batch ones queued before them, first in first out within each class', async () => {
    const { queue, runs, holdRuns, release } = setup({ maxBatch: 1 });
    holdRuns();
    const first = queue.submit(rows([1]));
    const rest = [queue.submit(rows([2]), 'batch'), queue.submit(rows([3]), 'batch'), queue.submit(rows([4])), queue.submit(rows([5]))];
    release();
    await Promise.all([first, ...rest]);
    expect(runs).toEqual([[1], [4], [5], [2], [3]]);
  });

  it('a run of batch requests waits for a slot of the worker-wide gate; interactive runs of any model do not', async () => {
    const gate = createRunGate(1);
    const started: string[] = [];
    const held: (() => void)[] = [];
    const make = (model: string) =>
      createBatchQueue({
        model,
        layout,
        config: { ...DEFAULT_BATCHING, maxBatch: 1 },
        batchGate: gate,
        async run(inputs) {
          const x = (inputs[0] as NamedTensor).data as Float32Array;
          started.push(`${model}${x[0]}`);
          await new Promise<void>((resolve) => held.push(resolve));
          return [{ name: 'y', datatype: 'FP32', shape: (inputs[0] as NamedTensor).shape, data: x }];
        },
      });
    const a = make('a');
    const b = make('b');
    const a1 = a.submit(rows([1]), 'batch');
    const b1 = b.submit(rows([1]), 'batch');
    const b2 = b.submit(rows([2]));
    await new Promise((resolve) => setImmediate(resolve));
    // a's batch run holds the only slot: b's batch run waits, b's interactive one goes ahead of it.
    expect(started).toEqual(['a1', 'b2']);
    expect(gate.inUse).toBe(1);
    (held.shift() as () => void)(); // a1 ends and frees the slot
    await a1;
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a1', 'b2']); // b's one session is still busy with b2
    (held.shift() as () => void)(); // b2 ends
    await b2;
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a1', 'b2', 'b1']);
    (held.shift() as () => void)();
    await b1;
    expect(gate.inUse).toBe(0);
  });
});
