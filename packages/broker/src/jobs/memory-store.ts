import type { Job, JobRequest, JobStatus, JobStore } from './job-store.js';

/** Jobs in memory: for tests and throwaway brokers only; a restart loses them. */
export function createMemoryJobStore(): JobStore {
  const jobs = new Map<string, Job>();
  return {
    insert(id, request: JobRequest, now) {
      jobs.set(id, { ...request, id, status: 'queued', attempts: 0, createdAt: now, updatedAt: now, notBefore: 0 });
    },
    get: (id) => {
      const job = jobs.get(id);
      return job ? { ...job } : undefined;
    },
    claim(limit, now) {
      const out: Job[] = [];
      for (const job of jobs.values()) {
        if (out.length >= limit) break;
        if (job.status !== 'queued' || job.notBefore > now) continue;
        job.status = 'running';
        job.attempts++;
        job.updatedAt = now;
        out.push({ ...job });
      }
      return out;
    },
    finish(id, status, result, now) {
      const job = jobs.get(id);
      if (job) Object.assign(job, { status, result, updatedAt: now, body: Buffer.alloc(0) });
    },
    requeue(id, notBefore, now) {
      const job = jobs.get(id);
      if (job) Object.assign(job, { status: 'queued', notBefore, updatedAt: now });
    },
    recover(now) {
      let n = 0;
      for (const job of jobs.values()) {
        if (job.status !== 'running') continue;
        Object.assign(job, { status: 'queued', updatedAt: now });
        n++;
      }
      return n;
    },
    purge(before) {
      let n = 0;
      for (const [id, job] of jobs) {
        if ((job.status === 'done' || job.status === 'failed') && job.updatedAt < before) {
          jobs.delete(id);
          n++;
        }
      }
      return n;
    },
    counts() {
      const out: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const job of jobs.values()) out[job.status]++;
      return out;
    },
    close() {},
  };
}
