import type { Job, JobRequest, JobStatus, JobStore } from './job-store.js';

const finished = (job: Job) => job.status === 'done' || job.status === 'failed';

/** Jobs in memory: for tests and throwaway brokers only; a restart loses them. */
export function createMemoryJobStore(): JobStore {
  const jobs = new Map<string, Job>();
  return {
    async insert(id, request: JobRequest, now) {
      jobs.set(id, { ...request, id, status: 'queued', attempts: 0, createdAt: now, updatedAt: now, notBefore: 0 });
    },
    async get(id) {
      const job = jobs.get(id);
      if (!job) return undefined;
      const { body: _body, ...view } = job;
      return view;
    },
    async claim(limit, now) {
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
    async renew(claims) {
      return claims.filter((c) => jobs.get(c.id)?.status !== 'running' || jobs.get(c.id)?.attempts !== c.attempts).map((c) => c.id);
    },
    async finish(id, status, result, now) {
      const job = jobs.get(id);
      if (job && !finished(job)) Object.assign(job, { status, result, updatedAt: now, body: Buffer.alloc(0) });
    },
    async requeue(claim, notBefore, now) {
      const job = jobs.get(claim.id);
      if (job?.status === 'running' && job.attempts === claim.attempts) Object.assign(job, { status: 'queued', notBefore, updatedAt: now });
    },
    async recover(now) {
      let n = 0;
      for (const job of jobs.values()) {
        if (job.status !== 'running') continue;
        Object.assign(job, { status: 'queued', updatedAt: now });
        n++;
      }
      return n;
    },
    async purge(before) {
      let n = 0;
      for (const [id, job] of jobs) {
        if (finished(job) && job.updatedAt < before) {
          jobs.delete(id);
          n++;
        }
      }
      return n;
    },
    async queuedBytes(tenant) {
      let n = 0;
      for (const job of jobs.values()) if (job.tenant === tenant && !finished(job)) n += job.body.length;
      return n;
    },
    async counts() {
      const out: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const job of jobs.values()) out[job.status]++;
      return out;
    },
    async close() {},
  };
}
