import Database from 'better-sqlite3';
import type { Job, JobRequest, JobResult, JobStatus, JobStore, JobView } from './job-store.js';

interface Row {
  id: string;
  tenant: string;
  model: string;
  version: string | null;
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

function toJob(row: Row): JobView {
  const job: JobView = {
    id: row.id,
    tenant: row.tenant,
    model: row.model,
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

/** The columns of the hot row: everything but the request body. */
const HOT = `j.id, j.tenant, j.model, j.version, j.content_type, j.header_length, j.request_id, j.traceparent, j.status,
  j.attempts, j.created_at, j.updated_at, j.not_before, j.result_status, j.result_content_type, j.result_header_length, j.result_body`;

/**
 * Jobs in one SQLite file (WAL, synchronous=FULL): an insert is on disk before the 202 goes out, so a
 * broker that dies, or a machine that loses power, loses nothing it accepted. One broker per file: its
 * claims have no lease, and `recover` at startup queues every job left running (see JobStore).
 *
 * Request bodies live in a table of their own (`job_bodies`), written once at insert, read once per
 * claim, deleted at finish: SQLite rewrites a whole row on every UPDATE, and a multi-MB body in the
 * row made each claim, requeue and status poll read or rewrite it (12 x 13.8 MB jobs with their pool
 * down stalled the broker's event loop for seconds). The `jobs.body` column stays for files written
 * before (a claim reads it where `job_bodies` has nothing); new rows hold an empty one there.
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
  CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, not_before, created_at);
  CREATE TABLE IF NOT EXISTS job_bodies (id TEXT PRIMARY KEY, body BLOB NOT NULL);`);
  // Request bytes per job, for a tenant's queued-bytes budget (added to files made before it).
  const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'body_bytes')) db.exec('ALTER TABLE jobs ADD COLUMN body_bytes INTEGER NOT NULL DEFAULT 0');
  db.exec('CREATE INDEX IF NOT EXISTS jobs_tenant ON jobs (tenant, status)');

  const insertRow = db.prepare(
    `INSERT INTO jobs (id, tenant, model, version, body, body_bytes, content_type, header_length, request_id, traceparent, status, created_at, updated_at)
     VALUES (@id, @tenant, @model, @version, X'', @bodyBytes, @contentType, @headerLength, @requestId, @traceparent, 'queued', @now, @now)`,
  );
  const insertBody = db.prepare('INSERT INTO job_bodies (id, body) VALUES (?, ?)');
  const insert = db.transaction((row: Record<string, unknown>, body: Buffer) => {
    insertRow.run(row);
    insertBody.run(row.id, body);
  });
  const get = db.prepare(`SELECT ${HOT} FROM jobs j WHERE j.id = ?`);
  const pick = db.prepare(
    `SELECT ${HOT}, COALESCE(b.body, j.body) AS body FROM jobs j LEFT JOIN job_bodies b ON b.id = j.id
     WHERE j.status = 'queued' AND j.not_before <= ? ORDER BY j.created_at LIMIT ?`,
  );
  const dropBody = db.prepare('DELETE FROM job_bodies WHERE id = ?');
  const queuedBytes = db.prepare(`SELECT COALESCE(SUM(body_bytes), 0) AS n FROM jobs WHERE tenant = ? AND status IN ('queued', 'running')`);
  const mark = db.prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'`);
  const finishRow = db.prepare(
    `UPDATE jobs SET status = @status, result_status = @resultStatus, result_content_type = @contentType, result_header_length = @headerLength,
     result_body = @body, body = X'', updated_at = @now WHERE id = @id AND status IN ('queued', 'running')`,
  );
  // The body goes with the first answer: a job already finished keeps nothing to run.
  const finish = db.transaction((row: Record<string, unknown>) => {
    if (finishRow.run(row).changes > 0) dropBody.run(row.id);
  });
  const requeue = db.prepare(`UPDATE jobs SET status = 'queued', not_before = ?, updated_at = ? WHERE id = ? AND status = 'running' AND attempts = ?`);
  const held = db.prepare(`SELECT 1 FROM jobs WHERE id = ? AND status = 'running' AND attempts = ?`);
  const recover = db.prepare(`UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'`);
  const purge = db.prepare(`DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated_at < ?`);
  // Bodies of jobs gone by other ways (none today; files from before bodies were dropped at finish).
  const orphans = db.prepare('DELETE FROM job_bodies WHERE id NOT IN (SELECT id FROM jobs)');
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status');

  const claim = db.transaction((limit: number, now: number): Job[] => {
    const rows = pick.all(now, limit) as (Row & { body: Buffer })[];
    for (const row of rows) mark.run(now, row.id);
    return rows.map((row): Job => ({ ...toJob(row), body: row.body, status: 'running', attempts: row.attempts + 1 }));
  });

  return {
    async insert(id: string, r: JobRequest, now: number) {
      insert(
        {
          id,
          tenant: r.tenant,
          model: r.model,
          version: r.version ?? null,
          bodyBytes: r.body.length,
          contentType: r.contentType,
          headerLength: r.headerLength ?? null,
          requestId: r.requestId,
          traceparent: r.traceparent ?? null,
          now,
        },
        r.body,
      );
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
      finish({
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
    async purge(before) {
      const n = purge.run(before).changes;
      orphans.run();
      return n;
    },
    queuedBytes: async (tenant) => (queuedBytes.get(tenant) as { n: number }).n,
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
