import Database from 'better-sqlite3';
import type { Job, JobRequest, JobResult, JobStatus, JobStore } from './job-store.js';

interface Row {
  id: string;
  tenant: string;
  model: string;
  version: string | null;
  body: Buffer;
  content_type: string;
  header_length: string | null;
  request_id: string;
  traceparent: string | null;
  status: JobStatus;
  attempts: number;
  created_at: number;
  updated_at: number;
  not_before: number;
  result_status: number | null;
  result_content_type: string | null;
  result_header_length: string | null;
  result_body: Buffer | null;
}

function toJob(row: Row): Job {
  const job: Job = {
    id: row.id,
    tenant: row.tenant,
    model: row.model,
    body: row.body,
    contentType: row.content_type,
    requestId: row.request_id,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    notBefore: row.not_before,
  };
  if (row.version !== null) job.version = row.version;
  if (row.header_length !== null) job.headerLength = row.header_length;
  if (row.traceparent !== null) job.traceparent = row.traceparent;
  if (row.result_status !== null && row.result_body !== null) {
    job.result = { status: row.result_status, contentType: row.result_content_type ?? 'application/json', body: row.result_body };
    if (row.result_header_length !== null) job.result.headerLength = row.result_header_length;
  }
  return job;
}

/**
 * Jobs in one SQLite file (WAL, synchronous=FULL): an insert is on disk before the 202 goes out, so a
 * broker that dies, or a machine that loses power, loses nothing it accepted. One broker per file: its
 * claims have no lease, and `recover` at startup queues every job left running (see JobStore).
 */
export function createSqliteJobStore(path: string): JobStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT,
    body BLOB NOT NULL,
    content_type TEXT NOT NULL,
    header_length TEXT,
    request_id TEXT NOT NULL,
    traceparent TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    not_before INTEGER NOT NULL DEFAULT 0,
    result_status INTEGER,
    result_content_type TEXT,
    result_header_length TEXT,
    result_body BLOB
  );
  CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, not_before, created_at);`);

  const insert = db.prepare(
    `INSERT INTO jobs (id, tenant, model, version, body, content_type, header_length, request_id, traceparent, status, created_at, updated_at)
     VALUES (@id, @tenant, @model, @version, @body, @contentType, @headerLength, @requestId, @traceparent, 'queued', @now, @now)`,
  );
  const get = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const pick = db.prepare(`SELECT * FROM jobs WHERE status = 'queued' AND not_before <= ? ORDER BY created_at LIMIT ?`);
  const mark = db.prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'`);
  const finish = db.prepare(
    `UPDATE jobs SET status = @status, result_status = @resultStatus, result_content_type = @contentType, result_header_length = @headerLength,
     result_body = @body, body = X'', updated_at = @now WHERE id = @id AND status IN ('queued', 'running')`,
  );
  const requeue = db.prepare(`UPDATE jobs SET status = 'queued', not_before = ?, updated_at = ? WHERE id = ? AND status = 'running' AND attempts = ?`);
  const held = db.prepare(`SELECT 1 FROM jobs WHERE id = ? AND status = 'running' AND attempts = ?`);
  const recover = db.prepare(`UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'`);
  const purge = db.prepare(`DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated_at < ?`);
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status');

  const claim = db.transaction((limit: number, now: number): Job[] => {
    const rows = pick.all(now, limit) as Row[];
    for (const row of rows) mark.run(now, row.id);
    return rows.map((row) => ({ ...toJob(row), status: 'running' as const, attempts: row.attempts + 1 }));
  });

  return {
    async insert(id: string, r: JobRequest, now: number) {
      insert.run({
        id,
        tenant: r.tenant,
        model: r.model,
        version: r.version ?? null,
        body: r.body,
        contentType: r.contentType,
        headerLength: r.headerLength ?? null,
        requestId: r.requestId,
        traceparent: r.traceparent ?? null,
        now,
      });
    },
    async get(id) {
      const row = get.get(id) as Row | undefined;
      return row ? toJob(row) : undefined;
    },
    claim: async (limit, now) => claim(limit, now),
    async renew(claims) {
      return claims.filter((c) => held.get(c.id, c.attempts) === undefined).map((c) => c.id);
    },
    async finish(id, status, result: JobResult, now) {
      finish.run({
        id,
        status,
        resultStatus: result.status,
        contentType: result.contentType,
        headerLength: result.headerLength ?? null,
        body: result.body,
        now,
      });
    },
    async requeue(claim, notBefore, now) {
      requeue.run(notBefore, now, claim.id, claim.attempts);
    },
    recover: async (now) => recover.run(now).changes,
    purge: async (before) => purge.run(before).changes,
    async counts() {
      const out: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const row of counts.all() as { status: JobStatus; n: number }[]) out[row.status] = row.n;
      return out;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
