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

/** A job as `get` shows it: everything but the request body, which only a claim needs (and carries). */
export type JobView = Omit<Job, 'body'>;

/** Who holds a running job: its id and the attempt it is on (each claim starts a new attempt). */
export type JobClaim = Pick<Job, 'id' | 'attempts'>;

/**
 * Durable jobs. Every method returns a promise: SQLite answers at once, Redis over the network.
 * `insert` resolves only once the job is stored (an accepted job is never lost); `claim` moves queued
 * jobs to running atomically, so two claims never hand out the same job.
 *
 * Claims are held one of two ways. A store without `leaseMs` serves one broker: what is running when
 * a broker starts was left by one that died, and `recover` queues all of it again. A store with
 * `leaseMs` is shared by replicas: a claim is a lease the runner renews; `recover` queues only jobs
 * whose lease ran out (their broker died or lost the store), so any broker may call it at any time.
 */
export interface JobStore {
  /** Claims are leases of this many ms that the runner must renew; absent: claims last until recovered. */
  readonly leaseMs?: number;
  insert(id: string, request: JobRequest, now: number): Promise<void>;
  get(id: string): Promise<JobView | undefined>;
  /** Request bytes of the tenant's jobs not yet finished (queued or running). */
  queuedBytes(tenant: string): Promise<number>;
  claim(limit: number, now: number): Promise<Job[]>;
  /** Extends the leases of jobs this broker runs; resolves with the ids whose claim another broker took over. */
  renew(claims: readonly JobClaim[], now: number): Promise<string[]>;
  /** Stores an answer. The first answer wins: a job already done or failed keeps its result. */
  finish(id: string, status: 'done' | 'failed', result: JobResult, now: number): Promise<void>;
  /** Queues a job again after a retryable refusal, only while `claim` still holds it (a stale holder is ignored). */
  requeue(claim: JobClaim, notBefore: number, now: number): Promise<void>;
  /** Queues again what no live broker runs (see above); resolves with how many. */
  recover(now: number): Promise<number>;
  /** Deletes finished jobs last updated before `before` (Redis expires them itself and trims its indexes). */
  purge(before: number): Promise<number>;
  counts(): Promise<Record<JobStatus, number>>;
  close(): Promise<void>;
}
