import { isSplitflowError, type ModelManifest, SplitflowError } from '@splitflow/contract';
import { parseInfer } from '../http/parse-infer.js';
import { bodyOf } from '../http/request-body.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerMetrics } from '../observability/metrics.js';
import type { Dispatcher } from '../proxy/dispatcher.js';
import type { Job, JobResult, JobStore } from './job-store.js';

export interface JobRunnerOptions {
  store: JobStore;
  dispatcher: Dispatcher;
  models: ReadonlyMap<string, ModelManifest>;
  logger: Logger;
  metrics: BrokerMetrics;
  /** Jobs run at once. */
  concurrency: number;
  /** Finished jobs older than this are deleted, seconds. */
  retentionS: number;
  upstreamTimeoutMs: number;
  /** How often to look for requeued jobs whose backoff ran out. @default 200 */
  pollMs?: number;
  /** After this many failed tries a job fails with the last error rather than waiting forever. @default 50 */
  maxTries?: number;
}

export interface JobRunner {
  /** A job was inserted: look now rather than at the next poll. */
  wake(): void;
  /** Queues again what no live broker runs (JobStore.recover), then starts taking jobs. */
  start(): Promise<void>;
  /** Stops taking jobs and waits for running ones (whatever is cut off is re-run after a restart). */
  stop(): Promise<void>;
}

function errorResult(error: SplitflowError): JobResult {
  return { status: error.status || 500, contentType: 'application/json', body: Buffer.from(JSON.stringify(error.toJSON())) };
}

/** How one try of a job ended: with an answer to store, or with a refusal that may pass. */
type Outcome = { requeue: string } | { status: 'done' | 'failed'; result: JobResult; pool?: string; code?: string };

/**
 * Runs async jobs from the store through the same dispatcher as sync requests, at batch priority with
 * no hard deadline. A refusal that may pass (no capacity, overloaded, an endpoint failing) puts the
 * job back with a backoff; only an answer (2xx done, 4xx failed) or exhausting `maxTries` ends it.
 *
 * With a leasing store (Redis) the runner renews the leases of its running jobs every third of a lease
 * and, at the same pace, queues again jobs whose lease ran out (their broker died). The store being
 * unreachable is logged once per outage; nothing here throws out of a timer.
 */
export function createJobRunner(o: JobRunnerOptions): JobRunner {
  const pollMs = o.pollMs ?? 200;
  const maxTries = o.maxTries ?? 50;
  const running = new Set<{ job: Job; done: Promise<void> }>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;
  let tending = false;
  let lastPurge = 0;
  let storeDown = false;

  function storeFailed(error: unknown, what: string): void {
    if (storeDown) return;
    storeDown = true;
    o.logger.error({ err: error }, `job store unavailable (${what}); retrying`);
  }
  function storeOk(): void {
    if (!storeDown) return;
    storeDown = false;
    o.logger.info('job store available again');
  }

  async function attempt(job: Job): Promise<Outcome> {
    const manifest = o.models.get(job.model);
    try {
      if (manifest === undefined) throw new SplitflowError('MODEL_NOT_FOUND', { message: `model "${job.model}" is no longer served here` });
      const parsed = parseInfer(manifest, bodyOf(job.body), job.headerLength, o.upstreamTimeoutMs);
      const result = await o.dispatcher.dispatch({
        model: job.model,
        ...(job.version !== undefined ? { version: job.version } : {}),
        body: job.body,
        contentType: job.contentType,
        ...(job.headerLength !== undefined ? { headerLength: job.headerLength } : {}),
        placement: {
          model: job.model,
          work: parsed.work,
          batch: parsed.batch,
          bytes: job.body.length + parsed.responseBytes,
          priority: 'batch',
          hardDeadline: false,
        },
        deadlineAt: performance.now() + parsed.deadlineMs,
        requestId: job.requestId,
        ...(job.traceparent !== undefined ? { traceparent: job.traceparent } : {}),
      });
      if (result.status >= 500 && job.attempts < maxTries) return { requeue: `endpoint answered ${result.status}` };
      const stored: JobResult = { status: result.status, contentType: result.contentType, body: result.body };
      if (result.headerLength !== undefined) stored.headerLength = result.headerLength;
      return { status: result.status < 400 ? 'done' : 'failed', result: stored, pool: result.decision.pool.name };
    } catch (error) {
      const failure = isSplitflowError(error) ? error : new SplitflowError('INTERNAL', { message: (error as Error).message });
      if (failure.retryable && job.attempts < maxTries) return { requeue: failure.message };
      return { status: 'failed', result: errorResult(failure), code: failure.code };
    }
  }

  async function run(job: Job): Promise<void> {
    const outcome = await attempt(job);
    try {
      if ('requeue' in outcome) {
        const backoff = Math.min(30_000, 100 * 2 ** Math.min(job.attempts - 1, 10));
        await o.store.requeue(job, Date.now() + backoff, Date.now());
        o.metrics.jobs.inc({ event: 'requeued' });
        o.logger.info({ reqId: job.requestId, job: job.id, attempts: job.attempts, backoffMs: backoff, why: outcome.requeue }, 'job requeued');
        return;
      }
      await o.store.finish(job.id, outcome.status, outcome.result, Date.now());
      o.metrics.jobs.inc({ event: outcome.status });
      if (outcome.code === undefined) o.logger.info({ reqId: job.requestId, job: job.id, status: outcome.result.status, pool: outcome.pool }, 'job finished');
      else o.logger.warn({ reqId: job.requestId, job: job.id, code: outcome.code }, 'job failed');
    } catch (error) {
      // The claim stays in the store: recovered at the next start (SQLite) or when its lease runs out (Redis).
      o.logger.error({ err: error, reqId: job.requestId, job: job.id }, 'could not store the outcome of a job; it will run again');
    }
  }

  async function pumpOnce(): Promise<void> {
    const free = o.concurrency - running.size;
    if (free > 0) {
      let jobs: Job[] = [];
      try {
        jobs = await o.store.claim(free, Date.now());
        storeOk();
      } catch (error) {
        storeFailed(error, 'claim');
      }
      // Claimed jobs run even if stop() came meanwhile: stop() waits for them.
      for (const job of jobs) {
        const entry = { job, done: Promise.resolve() };
        entry.done = run(job).finally(() => {
          running.delete(entry);
          pump();
        });
        running.add(entry);
      }
    }
    if (Date.now() - lastPurge > 60_000) {
      lastPurge = Date.now();
      try {
        await o.store.purge(Date.now() - o.retentionS * 1000);
      } catch (error) {
        storeFailed(error, 'purge');
      }
    }
  }

  function pump(): void {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    pumping = pumpOnce().finally(() => {
      pumping = undefined;
      if (stopped) return;
      if (again) {
        again = false;
        pump();
      } else timer = setTimeout(pump, pollMs).unref();
    });
  }

  async function tend(): Promise<void> {
    if (tending) return;
    tending = true;
    try {
      const lost = await o.store.renew(
        [...running].map((r) => r.job),
        Date.now(),
      );
      if (lost.length > 0) o.logger.warn({ jobs: lost }, 'running jobs whose lease lapsed were taken over by another broker');
      const recovered = await o.store.recover(Date.now());
      storeOk();
      if (recovered > 0) {
        o.metrics.jobs.inc({ event: 'recovered' }, recovered);
        o.logger.warn({ recovered }, 'jobs whose lease ran out (their broker died) are queued again');
        pump();
      }
    } catch (error) {
      storeFailed(error, 'leases');
    } finally {
      tending = false;
    }
  }

  return {
    wake: () => setImmediate(pump),
    async start() {
      if (!stopped) return;
      stopped = false;
      try {
        const recovered = await o.store.recover(Date.now());
        if (recovered > 0) {
          o.metrics.jobs.inc({ event: 'recovered' }, recovered);
          o.logger.warn({ recovered }, 'jobs left running by a broker that is gone are queued again');
        }
      } catch (error) {
        storeFailed(error, 'recover');
      }
      if (o.store.leaseMs !== undefined) leaseTimer = setInterval(() => void tend(), Math.max(10, o.store.leaseMs / 3)).unref();
      pump();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pumping;
      // Leases are renewed until the last running job is done.
      await Promise.allSettled([...running].map((r) => r.done));
      if (leaseTimer) clearInterval(leaseTimer);
      leaseTimer = undefined;
    },
  };
}
