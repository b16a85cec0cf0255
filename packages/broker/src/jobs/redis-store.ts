import type { Job, JobClaim, JobRequest, JobResult, JobStatus, JobStore } from './job-store.js';
import { closeRedis, type RedisClient, storeUnavailable } from './redis-client.js';

export interface RedisJobStoreOptions {
  /** Prepended to every key, so deployments can share one Redis. @default 'splitflow:' */
  prefix?: string;
  /** How long a claim holds a job without being renewed, ms. @default 30000 */
  leaseMs?: number;
  /** Finished jobs expire this long after their answer, seconds. @default 86400 */
  retentionS?: number;
}

// Keys (P = prefix): P job:<id> is a hash of the job, its body and result as binary strings;
// P jobs:queued is a sorted set of queued ids by the time they may run (creation, or end of backoff);
// P jobs:running holds running ids by lease end; P jobs:done and P jobs:failed index finished ids by
// finish time, only to count them (the hashes expire by themselves); P jobs:bytes holds, per tenant,
// the request bytes of its jobs not yet finished (added at insert, taken off by the first answer).
//
// Lease times come from the Redis server's clock (TIME), so brokers whose clocks disagree still agree
// on when a lease ran out. Every script checks the job's status (and, where a holder acts, its
// attempt), so a stale id in a set or a broker whose lease was taken over changes nothing.

const NOW_LUA = `local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function ms(x) return string.format('%.0f', x) end`;

/** KEYS: queued, running. ARGV: now, limit, leaseMs, job key prefix. Returns each claimed job's HGETALL. */
const CLAIM = `${NOW_LUA}
local lease = ms(clock + tonumber(ARGV[3]))
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[4] .. id
  if redis.call('HGET', key, 'status') == 'queued' then
    redis.call('HINCRBY', key, 'attempts', 1)
    redis.call('HSET', key, 'status', 'running', 'updatedAt', ARGV[1], 'leaseUntil', lease)
    redis.call('ZADD', KEYS[2], lease, id)
    out[#out + 1] = redis.call('HGETALL', key)
  end
end
return out`;

/** KEYS: running. ARGV: leaseMs, job key prefix, then id, attempts pairs. Returns the ids no longer held. */
const RENEW = `${NOW_LUA}
local lease = ms(clock + tonumber(ARGV[1]))
local lost = {}
for i = 3, #ARGV, 2 do
  local key = ARGV[2] .. ARGV[i]
  local h = redis.call('HMGET', key, 'status', 'attempts')
  if h[1] == 'running' and h[2] == ARGV[i + 1] then
    redis.call('HSET', key, 'leaseUntil', lease)
    redis.call('ZADD', KEYS[1], lease, ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost`;

/** KEYS: running, queued. ARGV: now, job key prefix. Queues jobs whose lease ran out; returns how many. */
const RECOVER = `${NOW_LUA}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ms(clock), 'LIMIT', 0, 1000)
local n = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[2] .. id
  local h = redis.call('HMGET', key, 'status', 'createdAt')
  if h[1] == 'running' then
    redis.call('HSET', key, 'status', 'queued', 'updatedAt', ARGV[1], 'notBefore', 0)
    redis.call('HDEL', key, 'leaseUntil')
    redis.call('ZADD', KEYS[2], h[2], id)
    n = n + 1
  end
end
return n`;

/** KEYS: running, queued. ARGV: id, attempts, notBefore, now, job key prefix. */
const REQUEUE = `local key = ARGV[5] .. ARGV[1]
local h = redis.call('HMGET', key, 'status', 'attempts')
if h[1] ~= 'running' or h[2] ~= ARGV[2] then return 0 end
redis.call('HSET', key, 'status', 'queued', 'notBefore', ARGV[3], 'updatedAt', ARGV[4])
redis.call('HDEL', key, 'leaseUntil')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1`;

/**
 * KEYS: running, queued, finished index, tenant bytes. ARGV: id, status, now, retention ms, result status, content
 * type, header length ('' for none), result body, job key prefix. The first answer wins.
 */
const FINISH = `local key = ARGV[9] .. ARGV[1]
local status = redis.call('HGET', key, 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
redis.call('HSET', key, 'status', ARGV[2], 'updatedAt', ARGV[3], 'rStatus', ARGV[5], 'rContentType', ARGV[6], 'rBody', ARGV[8])
if ARGV[7] ~= '' then redis.call('HSET', key, 'rHeaderLength', ARGV[7]) end
local owner = redis.call('HMGET', key, 'tenant', 'bodyBytes')
if owner[1] and owner[2] then redis.call('HINCRBY', KEYS[4], owner[1], -tonumber(owner[2])) end
redis.call('HDEL', key, 'body', 'leaseUntil')
redis.call('PEXPIRE', key, ARGV[4])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

interface JobScripts {
  sfJobClaimBuffer(queued: string, running: string, now: number, limit: number, leaseMs: number, jobPrefix: string): Promise<Buffer[][]>;
  sfJobRenew(running: string, leaseMs: number, jobPrefix: string, ...claims: string[]): Promise<string[]>;
  sfJobRecover(running: string, queued: string, now: number, jobPrefix: string): Promise<number>;
  sfJobRequeue(running: string, queued: string, id: string, attempts: number, notBefore: number, now: number, jobPrefix: string): Promise<number>;
  sfJobFinish(
    running: string,
    queued: string,
    index: string,
    tenantBytes: string,
    id: string,
    status: string,
    now: number,
    retentionMs: number,
    resultStatus: number,
    contentType: string,
    headerLength: string,
    body: Buffer,
    jobPrefix: string,
  ): Promise<number>;
}

function toJob(id: string, f: Record<string, Buffer>): Job {
  const text = (name: string) => f[name]?.toString();
  const num = (name: string) => Number(text(name) ?? 0);
  const job: Job = {
    id,
    tenant: text('tenant') ?? '',
    model: text('model') ?? '',
    body: f.body ?? Buffer.alloc(0),
    contentType: text('contentType') ?? 'application/json',
    requestId: text('requestId') ?? '',
    status: (text('status') ?? 'queued') as JobStatus,
    attempts: num('attempts'),
    createdAt: num('createdAt'),
    updatedAt: num('updatedAt'),
    notBefore: num('notBefore'),
  };
  const version = text('version');
  if (version !== undefined) job.version = version;
  const headerLength = text('headerLength');
  if (headerLength !== undefined) job.headerLength = headerLength;
  const traceparent = text('traceparent');
  if (traceparent !== undefined) job.traceparent = traceparent;
  if (f.rStatus !== undefined) {
    job.result = { status: num('rStatus'), contentType: text('rContentType') ?? 'application/json', body: f.rBody ?? Buffer.alloc(0) };
    const resultHeaderLength = text('rHeaderLength');
    if (resultHeaderLength !== undefined) job.result.headerLength = resultHeaderLength;
  }
  return job;
}

/** The fields `get` reads: all but the request body. */
const VIEW_FIELDS = [
  'tenant',
  'model',
  'version',
  'contentType',
  'headerLength',
  'requestId',
  'traceparent',
  'status',
  'attempts',
  'createdAt',
  'updatedAt',
  'notBefore',
  'rStatus',
  'rContentType',
  'rHeaderLength',
  'rBody',
] as const;

/** HGETALL's flat [field, value, ...] reply as a record; values stay binary. */
function pairs(flat: Buffer[]): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[(flat[i] as Buffer).toString()] = flat[i + 1] as Buffer;
  return out;
}

/**
 * Jobs in Redis, shared by any number of brokers: claims are leases (see JobStore), every state change
 * is one Lua script (atomic), bodies and results are stored as bytes, and finished jobs expire after
 * `retentionS`. Durable as far as the server's persistence is (AOF with `appendfsync always` loses
 * nothing acknowledged; `everysec` up to a second). Takes ownership of `redis` (closes it).
 */
export function createRedisJobStore(redis: RedisClient, options: RedisJobStoreOptions = {}): JobStore {
  const prefix = options.prefix ?? 'splitflow:';
  const leaseMs = options.leaseMs ?? 30_000;
  const retentionMs = Math.round((options.retentionS ?? 86_400) * 1000);
  const jobPrefix = `${prefix}job:`;
  const queued = `${prefix}jobs:queued`;
  const running = `${prefix}jobs:running`;
  const done = `${prefix}jobs:done`;
  const failed = `${prefix}jobs:failed`;
  const tenantBytes = `${prefix}jobs:bytes`;

  redis.defineCommand('sfJobClaim', { numberOfKeys: 2, lua: CLAIM });
  redis.defineCommand('sfJobRenew', { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand('sfJobRecover', { numberOfKeys: 2, lua: RECOVER });
  redis.defineCommand('sfJobRequeue', { numberOfKeys: 2, lua: REQUEUE });
  redis.defineCommand('sfJobFinish', { numberOfKeys: 4, lua: FINISH });
  const scripts = redis as unknown as JobScripts;

  async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw storeUnavailable(error, what);
    }
  }

  return {
    leaseMs,
    insert: (id: string, r: JobRequest, now: number) =>
      guard('storing the job', async () => {
        const fields: Record<string, string | number | Buffer> = {
          id,
          tenant: r.tenant,
          model: r.model,
          body: r.body,
          bodyBytes: r.body.length,
          contentType: r.contentType,
          requestId: r.requestId,
          status: 'queued',
          attempts: 0,
          createdAt: now,
          updatedAt: now,
          notBefore: 0,
        };
        if (r.version !== undefined) fields.version = r.version;
        if (r.headerLength !== undefined) fields.headerLength = r.headerLength;
        if (r.traceparent !== undefined) fields.traceparent = r.traceparent;
        const replies = await redis.multi().hset(`${jobPrefix}${id}`, fields).zadd(queued, now, id).hincrby(tenantBytes, r.tenant, r.body.length).exec();
        const failure = replies?.find(([error]) => error !== null)?.[0];
        if (replies === null || failure) throw failure ?? new Error('the transaction was discarded');
      }),
    get: (id) =>
      guard('reading the job', async () => {
        // Every field but the request body: a status poll need not carry megabytes.
        const values = await redis.hmgetBuffer(`${jobPrefix}${id}`, ...VIEW_FIELDS);
        const fields: Record<string, Buffer> = {};
        VIEW_FIELDS.forEach((name, i) => {
          const v = values[i];
          if (v !== null && v !== undefined) fields[name] = v;
        });
        if (fields.status === undefined) return undefined;
        const { body: _body, ...view } = toJob(id, fields);
        return view;
      }),
    claim: (limit, now) =>
      guard('claiming jobs', async () => {
        const rows = await scripts.sfJobClaimBuffer(queued, running, now, limit, leaseMs, jobPrefix);
        return rows.map((flat) => {
          const fields = pairs(flat);
          return toJob(fields.id?.toString() ?? '', fields);
        });
      }),
    renew: (claims: readonly JobClaim[]) =>
      claims.length === 0
        ? Promise.resolve([])
        : guard('renewing leases', () => scripts.sfJobRenew(running, leaseMs, jobPrefix, ...claims.flatMap((c) => [c.id, String(c.attempts)]))),
    finish: (id, status, result: JobResult, now) =>
      guard('storing the answer', async () => {
        await scripts.sfJobFinish(
          running,
          queued,
          status === 'done' ? done : failed,
          tenantBytes,
          id,
          status,
          now,
          retentionMs,
          result.status,
          result.contentType,
          result.headerLength ?? '',
          result.body,
          jobPrefix,
        );
      }),
    requeue: (claim, notBefore, now) =>
      guard('requeueing the job', async () => {
        await scripts.sfJobRequeue(running, queued, claim.id, claim.attempts, notBefore, now, jobPrefix);
      }),
    recover: (now) => guard('recovering expired leases', () => scripts.sfJobRecover(running, queued, now, jobPrefix)),
    purge: (before) =>
      guard('trimming finished jobs', async () => {
        const [a, b] = await Promise.all([redis.zremrangebyscore(done, '-inf', `(${before}`), redis.zremrangebyscore(failed, '-inf', `(${before}`)]);
        return a + b;
      }),
    queuedBytes: (tenant) => guard('reading queued bytes', async () => Number((await redis.hget(tenantBytes, tenant)) ?? 0)),
    counts: () =>
      guard('counting jobs', async () => {
        const [q, r, d, f] = await Promise.all([redis.zcard(queued), redis.zcard(running), redis.zcard(done), redis.zcard(failed)]);
        return { queued: q, running: r, done: d, failed: f };
      }),
    close: () => closeRedis(redis),
  };
}
