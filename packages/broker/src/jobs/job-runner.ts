import { isSplitflowError, type ModelManifest, SplitflowError } from '@splitflow/contract';
import { parseInfer } from '../http/parse-infer.js';
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
  start(): void;
  /** Stops taking jobs and waits for running ones (whatever is cut off is re-run after a restart). */
  stop(): Promise<void>;
}

function errorResult(error: SplitflowError): JobResult {
  return { status: error.status || 500, contentType: 'application/json', body: Buffer.from(JSON.stringify(error.toJSON())) };
}

/**
 * Runs async jobs from the store through the same dispatcher as sync requests, at batch priority with
 * no hard deadline. A refusal that may pass (no capacity, overloaded, an endpoint failing) puts the
 * job back with a backoff; only an answer (2xx done, 4xx failed) or exhausting `maxTries` ends it.
 */
export function createJobRunner(o: JobRunnerOptions): JobRunner {
  const pollMs = o.pollMs ?? 200;
  const maxTries = o.maxTries ?? 50;
  const running = new Set<Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let lastPurge = 0;

  async function run(job: Job): Promise<void> {
    const now = () => Date.now();
    const manifest = o.models.get(job.model);
    try {
      if (manifest === undefined) throw new SplitflowError('MODEL_NOT_FOUND', { message: `model "${job.model}" is no longer served here` });
      const parsed = parseInfer(manifest, job.body, job.headerLength, o.upstreamTimeoutMs);
      const result = await o.dispatcher.dispatch({
        model: job.model,
        ...(job.version !== undefined ? { version: job.version } : {}),
        body: job.body,
        contentType: job.contentType,
        ...(job.headerLength !== undefined ? { headerLength: job.headerLength } : {}),
        placement: { model: job.model, work: parsed.work, batch: parsed.batch, bytes: job.body.length * 2, priority: 'batch', hardDeadline: false },
        deadlineAt: performance.now() + parsed.deadlineMs,
        requestId: job.requestId,
        ...(job.traceparent !== undefined ? { traceparent: job.traceparent } : {}),
      });
      if (result.status >= 500 && job.attempts < maxTries) return requeue(job, `endpoint answered ${result.status}`);
      const stored: JobResult = { status: result.status, contentType: result.contentType, body: result.body };
      if (result.headerLength !== undefined) stored.headerLength = result.headerLength;
      o.store.finish(job.id, result.status < 400 ? 'done' : 'failed', stored, now());
      o.metrics.jobs.inc({ event: result.status < 400 ? 'done' : 'failed' });
      o.logger.info({ reqId: job.requestId, job: job.id, status: result.status, pool: result.decision.pool.name }, 'job finished');
    } catch (error) {
      const failure = isSplitflowError(error) ? error : new SplitflowError('INTERNAL', { message: (error as Error).message });
      if (failure.retryable && job.attempts < maxTries) return requeue(job, failure.message);
      o.store.finish(job.id, 'failed', errorResult(failure), now());
      o.metrics.jobs.inc({ event: 'failed' });
      o.logger.warn({ reqId: job.requestId, job: job.id, code: failure.code }, 'job failed');
    }
  }

  function requeue(job: Job, why: string): void {
    const backoff = Math.min(30_000, 100 * 2 ** Math.min(job.attempts - 1, 10));
    o.store.requeue(job.id, Date.now() + backoff, Date.now());
    o.metrics.jobs.inc({ event: 'requeued' });
    o.logger.info({ reqId: job.requestId, job: job.id, attempts: job.attempts, backoffMs: backoff, why }, 'job requeued');
  }

  function pump(): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const free = o.concurrency - running.size;
    if (free > 0) {
      let jobs: Job[] = [];
      try {
        jobs = o.store.claim(free, Date.now());
      } catch (error) {
        o.logger.error({ err: error }, 'job store claim failed');
      }
      for (const job of jobs) {
        const p: Promise<void> = run(job).finally(() => {
          running.delete(p);
          pump();
        });
        running.add(p);
      }
    }
    if (Date.now() - lastPurge > 60_000) {
      lastPurge = Date.now();
      o.store.purge(Date.now() - o.retentionS * 1000);
    }
    if (!stopped) timer = setTimeout(pump, pollMs).unref();
  }

  return {
    wake: () => setImmediate(pump),
    start() {
      if (!stopped) return;
      stopped = false;
      const recovered = o.store.recover(Date.now());
      if (recovered > 0) {
        o.metrics.jobs.inc({ event: 'recovered' }, recovered);
        o.logger.warn({ recovered }, 'jobs left running by a previous broker are queued again');
      }
      pump();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...running]);
    },
  };
}
