import { type NamedTensor, SplitflowError } from '@splitflow/contract';
import type { BatchingConfig } from '../config.js';
import { type BatchLayout, mergeKey, rowsOf } from './batch-layout.js';
import { concatAlong, lastRowCopies, splitAlong } from './batch-tensors.js';
import type { RunGate } from './run-gate.js';

/** `interactive` requests wait for latency; `batch` ones for throughput, behind interactive ones. */
export type RunPriority = 'interactive' | 'batch';

/** What a request learns about the run that answered it. */
export interface BatchOutcome {
  outputs: NamedTensor[];
  /** Time from queueing to the start of its run. */
  queueUs: number;
  /** Time of the run (merge, model, split). */
  computeUs: number;
  /** Rows in the run along the batch dim (1 for models without one), padding not counted. */
  batchSize: number;
  /** Requests that shared the run. */
  requests: number;
}

export interface BatchStats {
  rows: number;
  requests: number;
  computeUs: number;
}

export interface BatchQueue {
  /**
   * Queues one request (inputs in the model's input order) and resolves with its own outputs.
   * Interactive requests go ahead of batch ones (each class first in, first out). With `deadlineMs`
   * (time left for the answer), a request the queue would hold past it is refused at once with
   * DEADLINE_UNMEETABLE, and one that expires while it waits is dropped unrun.
   */
  submit(inputs: NamedTensor[], priority?: RunPriority, deadlineMs?: number): Promise<BatchOutcome>;
  /** Requests waiting, not yet running. */
  readonly depth: number;
  /** Runs in progress. */
  readonly running: number;
  /** Runs everything queued without further delay, refuses new work, resolves when idle. */
  drain(): Promise<void>;
}

export interface BatchQueueOptions {
  model: string;
  run: (inputs: readonly NamedTensor[]) => Promise<NamedTensor[]>;
  /** Absent: the model cannot batch, and runs one request at a time. */
  layout: BatchLayout | undefined;
  config: BatchingConfig;
  onBatch?: (stats: BatchStats) => void;
  /** Worker-wide slots a run of batch-class requests needs (none: they run like interactive ones). */
  batchGate?: RunGate;
  /** Milliseconds. @default performance.now */
  now?: () => number;
}

interface Pending {
  inputs: NamedTensor[];
  priority: RunPriority;
  rows: number;
  key: string;
  enqueuedAt: number;
  /** Clock time after which nobody waits for the answer. */
  expiresAt: number;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
}

/** Runs the deadline's run-time tail is taken over. */
const RUN_WINDOW = 32;
/** Run shapes remembered as seen; past this many the memory starts again. */
const MAX_SHAPES = 1024;

/** The last runs of one class: their mean and their slowest, which a deadline must leave room for. */
interface RunWindow {
  ewmaMs: number;
  recent: Float64Array;
  seen: number;
}

const newWindow = (): RunWindow => ({ ewmaMs: 1, recent: new Float64Array(RUN_WINDOW), seen: 0 });

function record(w: RunWindow, ms: number): void {
  w.ewmaMs = w.seen === 0 ? ms : 0.8 * w.ewmaMs + 0.2 * ms;
  w.recent[w.seen++ % RUN_WINDOW] = ms;
}

/**
 * The slowest of the recent runs (never under the mean): what a deadline must leave room for. Not a
 * 90th percentile: admitted requests are to finish in time 99 times in 100, and one run in ten
 * slower than the estimate missed that (text-m at 3x capacity, 2-core VM).
 */
function tailOf(w: RunWindow): number {
  const n = Math.min(w.seen, RUN_WINDOW);
  let slowest = w.ewmaMs;
  for (let i = 0; i < n; i++) if ((w.recent[i] as number) > slowest) slowest = w.recent[i] as number;
  return slowest;
}

const micros = (fromMs: number, toMs: number) => Math.max(0, Math.round((toMs - fromMs) * 1000));

/**
 * A per-model dynamic batcher in the manner of Triton's: requests with the same non-batch dims are
 * merged along the batch dim up to `maxBatch` rows, waiting at most `maxQueueDelayUs` for company;
 * one with more rows than `maxBatch` runs alone. With `buckets`, a run is padded up to the next
 * bucket (copies of its last row, their outputs dropped) so the model sees a few fixed shapes. The queue is bounded: beyond `maxQueue` waiting
 * requests, submit fails with OVERLOADED and a Retry-After estimate.
 */
export function createBatchQueue(options: BatchQueueOptions): BatchQueue {
  const { layout, config, run, model } = options;
  const clock = options.now ?? (() => performance.now());
  const canMerge = layout !== undefined && config.maxBatch > 1;
  const delayMs = config.maxQueueDelayUs / 1000;
  const buckets = config.buckets ?? [];
  const queue: Pending[] = [];
  let running = 0;
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  let idleWaiters: (() => void)[] = [];
  // Recent run time and requests per run, for the wait bound and Retry-After; the run time starts at
  // 1 ms so the first estimate is not zero.
  let runMsEwma = 1;
  let requestsPerRunEwma = 1;
  // The last runs' times by the class of their head: deadlines are met or missed by the slow runs, not
  // the mean one, and an interactive request's own run is one of its class, not an 8-row batch run.
  const windows: Record<RunPriority, RunWindow> = { interactive: newWindow(), batch: newWindow() };
  /** A class's run at its recent tail; the other class's until one of its own has run. */
  const runTailMs = (priority: RunPriority): number => {
    const own = windows[priority];
    return own.seen > 0 ? tailOf(own) : Math.max(tailOf(windows.interactive), tailOf(windows.batch));
  };
  // A run of a shape not seen before pays one-time work (kernels or shaders built for it, memory
  // planned): its time says nothing of the next run's, and kept in the window it would refuse
  // deadlines for the next 32 runs.
  const shapesSeen = new Set<string>();
  // Runs in progress, by the class of their head.
  const busy: Record<RunPriority, number> = { interactive: 0, batch: 0 };
  const gate = options.batchGate;
  let waitingForGate = false;

  const compatibleRows = (head: Pending) => queue.reduce((n, p) => (p.key === head.key && p.rows <= config.maxBatch ? n + p.rows : n), 0);

  function ready(head: Pending, now: number): boolean {
    if (draining || !canMerge || head.rows >= config.maxBatch) return true;
    if (now - head.enqueuedAt >= delayMs) return true;
    return compatibleRows(head) >= config.maxBatch;
  }

  /**
   * Drops queued requests that can no longer make their deadline even if run now (a recent run's time
   * left before it): their answer would come too late to matter, and the run is better spent on others.
   */
  function dropExpired(now: number): void {
    for (let i = 0; i < queue.length; ) {
      const p = queue[i] as Pending;
      const runMs = runTailMs(p.priority);
      if (p.expiresAt < now + runMs) {
        queue.splice(i, 1);
        p.reject(
          new SplitflowError('DEADLINE_UNMEETABLE', {
            message: `model "${model}": the request waited until too little of its deadline was left for a run (about ${Math.round(runMs)} ms)`,
            retryAfterS: 1,
          }),
        );
      } else i++;
    }
  }

  /** The head, plus (when merging) later requests of the same shape that fit, in queue order. */
  function take(): Pending[] {
    const head = queue.shift() as Pending;
    if (!canMerge || head.rows >= config.maxBatch) return [head];
    const batch = [head];
    let rows = head.rows;
    for (let i = 0; i < queue.length && rows < config.maxBatch; ) {
      const p = queue[i] as Pending;
      if (p.key === head.key && rows + p.rows <= config.maxBatch) {
        batch.push(p);
        rows += p.rows;
        queue.splice(i, 1);
      } else i++;
    }
    return batch;
  }

  function pump(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (running < config.instances && queue.length > 0) {
      const now = clock();
      dropExpired(now);
      if (queue.length === 0) break;
      const head = queue[0] as Pending;
      if (!ready(head, now)) {
        timer = setTimeout(pump, Math.max(0, head.enqueuedAt + delayMs - now));
        return;
      }
      // Interactive requests sit ahead of batch ones, so a batch-class head means only batch work waits.
      let gated = false;
      if (head.priority === 'batch' && gate !== undefined && !draining) {
        if (!gate.tryAcquire()) {
          if (!waitingForGate) {
            waitingForGate = true;
            gate.onRelease(() => {
              waitingForGate = false;
              pump();
            });
          }
          break;
        }
        gated = true;
      }
      void execute(take(), gated);
    }
    if (running === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Rows a run of `rows` is padded with: up to the smallest bucket that holds it (none past the largest). */
  function paddingFor(rows: number): number {
    if (!canMerge || buckets.length === 0 || rows === 0) return 0;
    const bucket = buckets.find((b) => b >= rows);
    return bucket === undefined ? 0 : bucket - rows;
  }

  /** One run of `batch`, padded with `padding` rows (`paddingFor` its rows). */
  async function runOne(batch: Pending[], padding: number): Promise<NamedTensor[][]> {
    const rows = batch.map((p) => p.rows);
    if (batch.length === 1 && padding === 0) return [await run((batch[0] as Pending).inputs)];
    const l = layout as BatchLayout;
    const first = batch[0] as Pending;
    // The padding repeats the run's last row: that of the last request that has rows.
    const last = batch.findLast((p) => p.rows > 0) as Pending;
    // One copy into the run's tensor: the requests' rows, then the padding.
    const merged = first.inputs.map((t, i) => {
      const axis = l.inputAxes.get(t.name) ?? 0;
      const parts = batch.map((p) => p.inputs[i] as NamedTensor);
      return concatAlong([...parts, ...lastRowCopies(last.inputs[i] as NamedTensor, axis, padding)], axis);
    });
    const outputs = await run(merged);
    const parts = outputs.map((o) => splitAlong(o, l.outputAxes.get(o.name) ?? 0, padding > 0 ? [...rows, padding] : rows));
    return batch.map((_, b) => parts.map((p) => p[b] as NamedTensor));
  }

  async function execute(batch: Pending[], gated = false): Promise<void> {
    running++;
    const start = clock();
    const rows = layout ? batch.reduce((n, p) => n + p.rows, 0) : 1;
    const head = batch[0] as Pending;
    busy[head.priority]++;
    const padding = paddingFor(rows);
    const shape = `${head.key}|${rows + padding}`;
    try {
      const results = await runOne(batch, padding);
      const end = clock();
      runMsEwma = 0.8 * runMsEwma + 0.2 * (end - start);
      if (shapesSeen.has(shape)) record(windows[head.priority], end - start);
      else {
        if (shapesSeen.size >= MAX_SHAPES) shapesSeen.clear();
        shapesSeen.add(shape);
      }
      requestsPerRunEwma = 0.8 * requestsPerRunEwma + 0.2 * batch.length;
      options.onBatch?.({ rows, requests: batch.length, computeUs: micros(start, end) });
      batch.forEach((p, i) => {
        p.resolve({
          outputs: results[i] as NamedTensor[],
          queueUs: micros(p.enqueuedAt, start),
          computeUs: micros(start, end),
          batchSize: rows,
          requests: batch.length,
        });
      });
    } catch (error) {
      if (batch.length === 1) (batch[0] as Pending).reject(error);
      else {
        // One bad request must not fail the others it was merged with: rerun each on its own.
        for (const p of batch) {
          const t0 = clock();
          try {
            const outputs = await run(p.inputs);
            const t1 = clock();
            p.resolve({ outputs, queueUs: micros(p.enqueuedAt, start), computeUs: micros(t0, t1), batchSize: p.rows, requests: 1 });
          } catch (e) {
            p.reject(e);
          }
        }
      }
    } finally {
      running--;
      busy[head.priority]--;
      if (gated) gate?.release();
      pump();
    }
  }

  /** Queue and run time a request of `priority` queued now would take, each run at its class's tail. */
  function expectedFinishMs(priority: RunPriority): number {
    const ahead = { interactive: 0, batch: 0 };
    for (const p of queue) if (priority === 'batch' || p.priority === 'interactive') ahead[p.priority]++;
    const runsOf = (n: number) => Math.ceil(n / Math.max(1, requestsPerRunEwma));
    const aheadMs = (runsOf(ahead.interactive) * runTailMs('interactive') + runsOf(ahead.batch) * runTailMs('batch')) / config.instances;
    const busyMs = running >= config.instances ? (busy.interactive * runTailMs('interactive') + busy.batch * runTailMs('batch')) / config.instances : 0;
    return aheadMs + busyMs + runTailMs(priority);
  }

  return {
    submit(inputs, priority = 'interactive', deadlineMs) {
      if (draining) return Promise.reject(new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 }));
      // Expected wait: the queued requests leave in runs of the recent size, one run per instance at a time.
      const waitMs = (Math.ceil(queue.length / Math.max(1, requestsPerRunEwma)) * runMsEwma) / config.instances;
      const overWait = config.maxQueueWaitMs > 0 && queue.length > 0 && waitMs > config.maxQueueWaitMs;
      if (queue.length >= config.maxQueue || overWait) {
        return Promise.reject(
          new SplitflowError('OVERLOADED', {
            message: overWait
              ? `model "${model}": the queue would hold this request about ${Math.round(waitMs)} ms, the limit is ${config.maxQueueWaitMs} ms`
              : `model "${model}": ${queue.length} requests are queued, the limit is ${config.maxQueue}`,
            details: { model, queueDepth: queue.length, maxQueue: config.maxQueue, expectedWaitMs: Math.round(waitMs) },
            retryAfterS: Math.max(1, Math.ceil((waitMs + runMsEwma) / 1000)),
          }),
        );
      }
      // Waiting plus its own run past the deadline: refused now, while the client can still go elsewhere.
      // Busy instances finish their runs first (half a run left on average; a whole one counted, to be safe).
      // Against a deadline every run is counted at its class's recent tail: when runs slow down (cores
      // taken by other work) they slow down together, so the mean of the runs ahead says too little.
      // An interactive request waits only for the interactive requests queued (batch ones queue behind
      // it) and for the runs in progress, whichever their class.
      const finishMs = deadlineMs === undefined ? 0 : expectedFinishMs(priority);
      if (deadlineMs !== undefined && (running >= config.instances || queue.length > 0) && finishMs > deadlineMs) {
        return Promise.reject(
          new SplitflowError('DEADLINE_UNMEETABLE', {
            message: `model "${model}": about ${Math.round(finishMs)} ms of queue and run, the deadline is ${Math.round(deadlineMs)} ms away`,
            details: { model, queueDepth: queue.length, expectedMs: Math.round(finishMs) },
            retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
          }),
        );
      }
      return new Promise<BatchOutcome>((resolve, reject) => {
        const rows = layout ? rowsOf(layout, inputs) : 1;
        const key = layout ? mergeKey(layout, inputs) : '';
        const enqueuedAt = clock();
        const expiresAt = deadlineMs === undefined ? Number.POSITIVE_INFINITY : enqueuedAt + deadlineMs;
        const pending: Pending = { inputs, priority, rows, key, enqueuedAt, expiresAt, resolve, reject };
        if (priority === 'interactive') {
          // Ahead of every batch request, behind the interactive ones already waiting.
          let at = queue.length;
          while (at > 0 && (queue[at - 1] as Pending).priority === 'batch') at--;
          queue.splice(at, 0, pending);
        } else queue.push(pending);
        pump();
      });
    },
    get depth() {
      return queue.length;
    },
    get running() {
      return running;
    },
    drain() {
      draining = true;
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        pump();
      });
    },
  };
}
