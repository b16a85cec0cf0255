import { type Static, Type } from '@sinclair/typebox';
import { Identifier, NonNegative, Positive } from './common.js';
import { PoolConfig } from './pool.js';

/** The network between the broker and a pool; the scheduler's transfer term. @default loopback */
export const LinkConfig = Type.Object(
  {
    rttMs: NonNegative,
    /** Megabits per second. */
    mbps: Positive,
  },
  { $id: 'LinkConfig', additionalProperties: false },
);
export type LinkConfig = Static<typeof LinkConfig>;

/** A pool as the broker reads it: the contract's PoolConfig plus how far away it is. */
export const BrokerPool = Type.Object({ ...PoolConfig.properties, link: Type.Optional(LinkConfig) }, { $id: 'BrokerPool', additionalProperties: false });
export type BrokerPool = Static<typeof BrokerPool>;

/** Token bucket: `requestsPerSecond` sustained, `burst` at once. */
export const RateLimit = Type.Object(
  { requestsPerSecond: Positive, burst: Type.Integer({ minimum: 1, errorMessage: 'expected integer >= 1' }) },
  { $id: 'RateLimit', additionalProperties: false },
);
export type RateLimit = Static<typeof RateLimit>;

const Quota = {
  rateLimit: Type.Optional(RateLimit),
  /** Requests of this tenant in flight at once (sync requests; async jobs queue instead). */
  maxConcurrency: Type.Optional(Type.Integer({ minimum: 1, errorMessage: 'expected integer >= 1' })),
};

export const TenantConfig = Type.Object(
  {
    id: Identifier,
    /** Bearer tokens of this tenant. Long random strings; compared in constant time. */
    apiKeys: Type.Array(Type.String({ minLength: 16, errorMessage: 'expected an API key of at least 16 characters' }), { minItems: 1 }),
    ...Quota,
  },
  { $id: 'TenantConfig', additionalProperties: false },
);
export type TenantConfig = Static<typeof TenantConfig>;

/** Present: requests without a key are admitted as tenant `anonymous` under these quotas. Absent: 401. */
export const AnonymousAccess = Type.Object(Quota, { $id: 'AnonymousAccess', additionalProperties: false });
export type AnonymousAccess = Static<typeof AnonymousAccess>;

export const RATE_LIMIT_STORES = ['local', 'redis'] as const;

export const BrokerLimits = Type.Object(
  {
    /** Largest request body, JSON or binary. @default 16777216 */
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1024, errorMessage: 'expected integer >= 1024' })),
    /** Deadline of a request that names none; soft (the fastest pool serves it when none meets it). @default 1000 */
    defaultDeadlineMs: Type.Optional(Positive),
    /** Tries per request across endpoints and pools, the first included. @default 3 */
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, errorMessage: 'expected integer in [1, 10]' })),
    /** Longest wait for one upstream answer; never longer than the time left before a hard deadline. @default 30000 */
    upstreamTimeoutMs: Type.Optional(Positive),
    /**
     * Largest JSON part of a request (the whole body without the binary extension, its header with
     * it). Parsing JSON blocks the event loop in proportion to its size, so large tensors belong in the
     * binary extension. @default 8388608
     */
    maxJsonBytes: Type.Optional(Type.Integer({ minimum: 1024, errorMessage: 'expected integer >= 1024' })),
    /** Time a client has to send a request's headers; slower ones get 408 REQUEST_TIMEOUT and are closed. @default 10000 */
    headersTimeoutMs: Type.Optional(Positive),
    /** Time a client has to send a whole request, body included; slower ones get 408 REQUEST_TIMEOUT and are closed. @default 60000 */
    requestTimeoutMs: Type.Optional(Positive),
    /**
     * Request bytes (bodies being forwarded) in flight at once per pool; a request that would go over
     * is refused with 503 OVERLOADED and Retry-After. @default 268435456
     */
    maxPoolBytes: Type.Optional(Type.Integer({ minimum: 1024, errorMessage: 'expected integer >= 1024' })),
    /** Request bytes in flight at once per tenant (sync and queued async bodies); over it, 429 RATE_LIMITED. @default 134217728 */
    maxTenantBytes: Type.Optional(Type.Integer({ minimum: 1024, errorMessage: 'expected integer >= 1024' })),
    /**
     * Request bytes of a tenant's async jobs not yet finished (queued or running, in the job store);
     * a job that would go over is refused with 429 RATE_LIMITED and Retry-After. @default 1073741824
     */
    maxTenantQueuedBytes: Type.Optional(Type.Integer({ minimum: 1024, errorMessage: 'expected integer >= 1024' })),
    /**
     * Where tenant rate limits are counted. `local`: each broker keeps its own token buckets (no I/O per
     * request; N replicas allow N times the rate). `redis`: one bucket per tenant in the jobs Redis
     * (`jobs.url`, `jobs.prefix`; needs `jobs.store: redis`) shared by every broker, at one Redis round
     * trip per admitted request; while Redis is unreachable each broker falls back to its own bucket.
     * Concurrency quotas are per broker either way. @default local
     */
    rateLimitStore: Type.Optional(
      Type.Union(
        RATE_LIMIT_STORES.map((s) => Type.Literal(s)),
        { errorMessage: `expected one of ${RATE_LIMIT_STORES.join(', ')}` },
      ),
    ),
  },
  { $id: 'BrokerLimits', additionalProperties: false },
);
export type BrokerLimits = Static<typeof BrokerLimits>;

export const CorsConfig = Type.Object(
  {
    /**
     * Browser origins allowed to call the broker, e.g. `https://app.example.com`, or a WebView app's own
     * scheme (`capacitor://localhost`, `app://splitflow`); `*` for any; `null` for pages with an opaque
     * origin (sandboxed iframes, inline WebView pages), which send `Origin: null`.
     */
    origins: Type.Array(
      Type.String({
        pattern: '^(\\*|null|[a-z][a-z0-9+.-]*://[^\\s/]+)$',
        errorMessage: 'expected "*", "null" or an origin such as https://app.example.com or capacitor://localhost',
      }),
    ),
  },
  { $id: 'CorsConfig', additionalProperties: false },
);
export type CorsConfig = Static<typeof CorsConfig>;

export const JOB_STORES = ['sqlite', 'memory', 'redis'] as const;

export const JobsConfig = Type.Object(
  {
    /**
     * `sqlite`: durable across restarts, one broker per file. `memory`: tests and throwaway brokers.
     * `redis`: shared by any number of broker replicas; running jobs hold leases (`leaseS`), so a
     * replica that dies has its jobs re-run by the others; as durable as the server's persistence
     * (run it with `appendonly yes`, `appendfsync always` to lose nothing acknowledged). @default sqlite
     */
    store: Type.Optional(
      Type.Union(
        JOB_STORES.map((s) => Type.Literal(s)),
        { errorMessage: `expected one of ${JOB_STORES.join(', ')}` },
      ),
    ),
    /** SQLite file. @default splitflow-jobs.db */
    path: Type.Optional(Type.String({ minLength: 1 })),
    /** Redis URL, for `store: redis`, e.g. `redis://:password@redis.internal:6379/0` (`rediss://` for TLS). */
    url: Type.Optional(Type.String({ pattern: '^rediss?://', errorMessage: 'expected a redis:// URL' })),
    /** Prefix of every Redis key, so several deployments can share one Redis. @default splitflow: */
    prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$', errorMessage: 'expected 1-64 characters without spaces' })),
    /**
     * Redis store: how long a running job's claim lasts unless its broker renews it (it does every third
     * of this). A broker that dies has its jobs run again by another this long after; too short, and a
     * broker stalled longer than this (GC, network) loses jobs it is still running to another. @default 30
     */
    leaseS: Type.Optional(Positive),
    /** Jobs run at once by this broker. @default 4 */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, errorMessage: 'expected integer >= 1' })),
    /** Finished jobs are kept this long for fetching. @default 86400 */
    retentionS: Type.Optional(Positive),
  },
  { $id: 'JobsConfig', additionalProperties: false },
);
export type JobsConfig = Static<typeof JobsConfig>;

export const HealthConfig = Type.Object(
  {
    /** @default 1000 */
    intervalMs: Type.Optional(Positive),
    /** @default 500 */
    timeoutMs: Type.Optional(Positive),
    /** Consecutive failures (probes or proxied requests) that eject an endpoint. @default 2 */
    unhealthyAfter: Type.Optional(Type.Integer({ minimum: 1, errorMessage: 'expected integer >= 1' })),
    /** Consecutive passing probes that readmit it. @default 1 */
    healthyAfter: Type.Optional(Type.Integer({ minimum: 1, errorMessage: 'expected integer >= 1' })),
  },
  { $id: 'HealthConfig', additionalProperties: false },
);
export type HealthConfig = Static<typeof HealthConfig>;

/**
 * The capacity each pool needs, computed from the load the broker sees (Erlang C per class) and
 * exported as `splitflow_broker_pool_desired_replicas`: Kubernetes (KEDA/HPA) or the local supervisor
 * acts on it. Only computed; the broker itself starts nothing.
 */
export const AutoscaleConfig = Type.Object(
  {
    /** Longest wait for a slot per class, ms. @default { interactive: 50, batch: 2000 } */
    targetWaitMs: Type.Optional(Type.Object({ interactive: Type.Optional(Positive), batch: Type.Optional(Positive) }, { additionalProperties: false })),
    /** Share of requests that must start within their target wait. @default 0.99 */
    quantile: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, errorMessage: 'expected a number in (0, 1)' })),
    /** Load planned for beyond the observed, as a share of it. @default 0.2 */
    headroom: Type.Optional(NonNegative),
    /** Time a new endpoint takes to start and turn healthy, ms: the short window bursts are planned over. @default 10000 */
    startupMs: Type.Optional(Positive),
    /** The long window load is averaged over, ms. @default 60000 */
    windowMs: Type.Optional(Positive),
    /** Fewest replicas per pool; 0 lets a pool whose models another pool serves scale to zero. @default 1 */
    minReplicas: Type.Optional(Type.Integer({ minimum: 0, errorMessage: 'expected integer >= 0' })),
    /** A lower plan takes effect once it has lasted this long (the highest plan within it is exported), as HPA's scale-down stabilisation window. @default 300000 */
    scaleDownStabilizationMs: Type.Optional(NonNegative),
  },
  { $id: 'AutoscaleConfig', additionalProperties: false },
);
export type AutoscaleConfig = Static<typeof AutoscaleConfig>;

/** Workers that join pools by registering (pools with `discovery.register`). */
export const RegistrationConfig = Type.Object(
  {
    /** Shared secrets a registering worker presents as a Bearer token. */
    tokens: Type.Array(Type.String({ minLength: 16, errorMessage: 'expected a token of at least 16 characters' }), { minItems: 1 }),
    /** How often workers are asked to heartbeat. @default 1000 */
    heartbeatMs: Type.Optional(Positive),
    /** A worker not heard from for this long leaves its pool (crashed or preempted). @default 3500 */
    ttlMs: Type.Optional(Positive),
    /**
     * Where registrations are kept. `memory`: each broker replica knows the workers that heartbeat to
     * it. `redis`: also in the jobs Redis (`jobs.url`, `jobs.prefix`; needs `jobs.store: redis`), so
     * every replica serves every registered worker, whichever replica its heartbeats reach. @default memory
     */
    store: Type.Optional(Type.Union([Type.Literal('memory'), Type.Literal('redis')], { errorMessage: 'expected one of memory, redis' })),
  },
  { $id: 'RegistrationConfig', additionalProperties: false },
);
export type RegistrationConfig = Static<typeof RegistrationConfig>;

export const PLACEMENT_POLICIES = ['cost-deadline', 'round-robin', 'least-outstanding'] as const;
export type PlacementPolicy = (typeof PLACEMENT_POLICIES)[number];

export const BrokerConfig = Type.Object(
  {
    listen: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, errorMessage: 'expected a port in [0, 65535]' })),
          /** Also serve OIP v2 over gRPC on this port (0: a free one), on `host`. @default no gRPC */
          grpcPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, errorMessage: 'expected a port in [0, 65535]' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Path of the model catalog (catalog.json), relative to the config file. */
    catalog: Type.Optional(Type.String({ minLength: 1 })),
    pools: Type.Array(BrokerPool, { minItems: 1 }),
    tenants: Type.Optional(Type.Array(TenantConfig)),
    anonymous: Type.Optional(AnonymousAccess),
    limits: Type.Optional(BrokerLimits),
    cors: Type.Optional(CorsConfig),
    jobs: Type.Optional(JobsConfig),
    health: Type.Optional(HealthConfig),
    autoscale: Type.Optional(AutoscaleConfig),
    registration: Type.Optional(RegistrationConfig),
    /**
     * How requests are placed. `cost-deadline` (the default) is Splitflow's scheduler: the cheapest pool
     * that meets the deadline. `round-robin` and `least-outstanding` spread requests over every healthy
     * endpoint of the pools serving the model, blind to cost and deadline, as a plain load balancer
     * does: the yardsticks the scheduler is benchmarked against, run through the same broker.
     */
    placement: Type.Optional(
      Type.Union(
        PLACEMENT_POLICIES.map((p) => Type.Literal(p)),
        { errorMessage: `expected one of ${PLACEMENT_POLICIES.join(', ')}` },
      ),
    ),
    /** What the broker reveals of itself beyond answers. */
    exposure: Type.Optional(
      Type.Object(
        {
          /** Serve `/metrics` (Prometheus text) at all. @default true */
          metrics: Type.Optional(Type.Boolean()),
          /**
           * A bearer token `/metrics` asks for (`Authorization: Bearer <token>`, which Prometheus's scrape
           * config sends as `authorization.credentials`). Without one, `/metrics` is open, as Prometheus
           * expects; set one when the broker's port is reachable from outside the cluster. @default none
           */
          metricsToken: Type.Optional(Type.String({ minLength: 16, errorMessage: 'expected a token of 16 or more characters' })),
          /** Put `splitflow.endpoint`, the internal URL of the endpoint that answered, in answers. @default false */
          endpointInAnswers: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    log: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union(
              ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
              { errorMessage: 'expected one of fatal, error, warn, info, debug, trace, silent' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'BrokerConfig', additionalProperties: false },
);
export type BrokerConfig = Static<typeof BrokerConfig>;
