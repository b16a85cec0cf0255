/** An async inference job as the store keeps it: the request as received, and later its answer. */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobRequest {
  tenant: string;
  model: string;
  version?: string;
  /** The request body exactly as received (JSON or Triton binary). */
  body: Buffer;
  contentType: string;
  headerLength?: string;
  requestId: string;
  traceparent?: string;
}

export interface JobResult {
  status: number;
  contentType: string;
  headerLength?: string;
  body: Buffer;
}

export interface Job extends JobRequest {
  id: string;
  status: JobStatus;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  /** Earliest time (epoch ms) a queued job may run again after a retryable refusal. */
  notBefore: number;
  result?: JobResult;
}

/**
 * Durable jobs. `insert` returns only once the job is stored (an accepted job is never lost);
 * `claim` moves queued jobs to running atomically; `recover` puts jobs left running by a broker
 * that died back in the queue.
 */
export interface JobStore {
  insert(id: string, request: JobRequest, now: number): void;
  get(id: string): Job | undefined;
  claim(limit: number, now: number): Job[];
  finish(id: string, status: 'done' | 'failed', result: JobResult, now: number): void;
  requeue(id: string, notBefore: number, now: number): void;
  recover(now: number): number;
  /** Deletes finished jobs last updated before `before`. */
  purge(before: number): number;
  counts(): Record<JobStatus, number>;
  close(): void;
}
