import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import cors from '@fastify/cors';
import {
  BINARY_CONTENT_TYPE,
  BINARY_HEADER,
  type BrokerConfig,
  type ModelCatalog,
  type ModelManifest,
  SPLITFLOW_PARAMS,
  SplitflowError,
  validateBrokerConfig,
} from '@splitflow/contract';
import { type OipGrpcServer, serveOipGrpc } from '@splitflow/oip-grpc';
import { asSplitflowError, boundPort, httpUrl, installWireGuards, notReady, replyWithError, routeNotFound, wireServerOptions } from '@splitflow/server-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { createByteBudget } from './admission/byte-budget.js';
import { createRedisRateLimiter, type SharedRateLimiter } from './admission/redis-rate-limiter.js';
import { type Admission, createTenantRegistry, type Tenant } from './admission/tenants.js';
import { registerCapacityMetrics } from './autoscale/capacity-metrics.js';
import { type CapacityPlan, planCapacity } from './autoscale/capacity-planner.js';
import { createLoadMeter } from './autoscale/load-meter.js';
import { withLoadMeter } from './autoscale/metered-scheduler.js';
import { indexModels, readCatalog } from './catalog/model-index.js';
import { createDnsDiscovery, type Discovery } from './discovery/dns-discovery.js';
import { createEndpointRegistry, type EndpointRegistry } from './discovery/registration.js';
import { createHealthChecker, type HealthChecker } from './health/health-checker.js';
import { registerServerRoutes } from './http/health-routes.js';
import { modelMetadata } from './http/model-metadata.js';
import { parseInfer } from './http/parse-infer.js';
import { registerRegistrationRoutes } from './http/registration-routes.js';
import { bodyOf, collectBody, EMPTY_BODY, type RequestBody, wholeOf } from './http/request-body.js';
import { requestIdOf, traceparentOf } from './http/request-context.js';
import { registerJobGauge } from './jobs/job-gauge.js';
import { createJobRunner, type JobRunner } from './jobs/job-runner.js';
import type { JobStore } from './jobs/job-store.js';
import { createMemoryJobStore } from './jobs/memory-store.js';
import { connectRedis } from './jobs/redis-client.js';
import { createRedisJobStore } from './jobs/redis-store.js';
import { createSqliteJobStore } from './jobs/sqlite-store.js';
import { createLogger, type Logger } from './observability/logger.js';
import { type BrokerMetrics, createMetrics } from './observability/metrics.js';
import { registerMetricsRoute } from './observability/metrics-route.js';
import { redactUrl } from './observability/redact-url.js';
import { createDispatcher, type DispatchInput } from './proxy/dispatcher.js';
import { createUpstream, type Upstream } from './proxy/upstream.js';
import { isServing } from './scheduler/pool-state.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';

export const BROKER_VERSION = '0.1.0';
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
export const SERVER_METADATA = Object.freeze({
  name: 'splitflow-broker',
  version: BROKER_VERSION,
  extensions: ['binary_tensor_data', 'splitflow', 'splitflow_async'],
});
export const DEFAULT_POOL_BYTES = 256 * 1024 * 1024;
export const DEFAULT_TENANT_BYTES = 128 * 1024 * 1024;

export interface BuildBrokerOptions {
  /** The catalog itself; otherwise read from `config.catalog` (default `models/catalog.json`) under `baseDir`. */
  catalog?: ModelCatalog;
  /** Where relative paths of the config are resolved. @default process.cwd() */
  baseDir?: string;
  /** @default a pino logger on stdout at `config.log.level` */
  logger?: Logger;
  /** The seam to the pools. @default undici pools */
  upstream?: Upstream;
  /** Probe endpoints periodically. Tests may turn it off and call `health.probeAll()`. @default true */
  healthChecks?: boolean;
}

export interface Broker {
  app: FastifyInstance;
  scheduler: Scheduler;
  metrics: BrokerMetrics;
  health: HealthChecker;
  /** Pools that name `discovery.dns` follow their DNS records; `refresh()` applies them at once. */
  discovery: Discovery;
  /** The replicas each pool needs now and why (what `splitflow_broker_pool_desired_replicas` exports). */
  capacity(): CapacityPlan[];
  /** Workers that registered themselves, when the config has `registration`. */
  registry?: EndpointRegistry;
  jobs: JobStore;
  /**
   * Listens (loopback and a free port unless the config says otherwise) and resolves with the base URL;
   * with `grpcPort` (or `listen.grpcPort`) it also serves OIP v2 over gRPC there.
   */
  listen(options?: { host?: string; port?: number; grpcPort?: number }): Promise<string>;
  /** The gRPC server once `listen` started one: `grpc.address` is `host:port`. */
  readonly grpc: OipGrpcServer | undefined;
  /** Stops taking work, lets running requests and jobs finish, closes the store and connections. */
  close(): Promise<void>;
}

interface ModelParams {
  name: string;
  version?: string;
}

/** Redis connection trouble while serving, logged once per outage (requests answer 503 meanwhile). */
function redisEvents(logger: Logger, what: string) {
  return {
    onError: (error: Error) => logger.error({ err: error, what }, 'lost the connection to Redis; reconnecting'),
    onReady: () => logger.info({ what }, 'connected to Redis again'),
  };
}

async function openJobStore(config: BrokerConfig, baseDir: string, logger: Logger): Promise<JobStore> {
  const jobs = config.jobs ?? {};
  switch (jobs.store ?? 'sqlite') {
    case 'memory':
      return createMemoryJobStore();
    case 'redis': {
      // validateBrokerConfig made sure there is a url.
      const redis = await connectRedis(jobs.url as string, { setting: 'jobs.url', name: 'splitflow-broker-jobs', ...redisEvents(logger, 'job store') });
      return createRedisJobStore(redis, {
        ...(jobs.prefix !== undefined ? { prefix: jobs.prefix } : {}),
        leaseMs: (jobs.leaseS ?? 30) * 1000,
        retentionS: jobs.retentionS ?? 86_400,
      });
    }
    default: {
      const path = jobs.path ?? 'splitflow-jobs.db';
      return createSqliteJobStore(isAbsolute(path) ? path : resolve(baseDir, path));
    }
  }
}

/**
 * Builds a broker without listening: an OIP v2 front door that authenticates tenants, checks requests
 * against the catalog, places each on the pool the scheduler picks and proxies it there.
 */
export async function buildBroker(rawConfig: BrokerConfig, options: BuildBrokerOptions = {}): Promise<Broker> {
  const config = validateBrokerConfig(rawConfig);
  const baseDir = options.baseDir ?? process.cwd();
  const catalogPath = config.catalog ?? 'models/catalog.json';
  const catalog = options.catalog ?? (await readCatalog(isAbsolute(catalogPath) ? catalogPath : resolve(baseDir, catalogPath)));
  const models = indexModels(catalog, config);
  const logger = options.logger ?? createLogger(config.log?.level ?? 'info');
  const limits = config.limits ?? {};
  const defaultDeadlineMs = limits.defaultDeadlineMs ?? 1000;
  const upstreamTimeoutMs = limits.upstreamTimeoutMs ?? 30_000;

  const autoscale = config.autoscale ?? {};
  const loadMeter = createLoadMeter({ windowMs: autoscale.windowMs ?? 60_000 });
  const scheduler = withLoadMeter(createScheduler(config.pools, { policy: config.placement ?? 'cost-deadline' }), loadMeter);
  // As many connections to an endpoint as its pool admits requests (slots plus queue): the pool's bound
  // is then the only queue, and no request waits unseen inside the HTTP client, where the scheduler
  // cannot count its wait against any deadline.
  // Read when an endpoint's connection pool is made, so discovered endpoints get theirs too.
  const admittedAt = (url: string) => {
    const pool = scheduler.pools.find((p) => p.endpoints.some((e) => e.url === url));
    return pool && Math.max(1, pool.endpoints.length) * pool.maxConcurrency + pool.maxQueue;
  };
  const upstream = options.upstream ?? createUpstream({ connectionsFor: admittedAt });
  const health = createHealthChecker(scheduler.pools, upstream, config.health, {
    onChange: (e, healthy, why) => logger.warn({ pool: e.pool.name, endpoint: e.url, healthy, why }, healthy ? 'endpoint readmitted' : 'endpoint ejected'),
  });
  const discovery = createDnsDiscovery(scheduler.pools, config.pools, {
    onJoin: (pool, url) => {
      logger.info({ pool: pool.name, endpoint: url }, 'endpoint discovered; admitted once its ready probe passes');
      void health.probeAll();
    },
    onLeave: (pool, url) => logger.info({ pool: pool.name, endpoint: url }, 'endpoint left; it finishes the work it has'),
    onError: (pool, error) => logger.warn({ pool: pool.name, err: error.message }, 'endpoint discovery failed; membership kept'),
  });
  const registry = config.registration
    ? createEndpointRegistry(scheduler.pools, config.pools, config.registration, {
        onJoin: (pool, url) => {
          logger.info({ pool: pool.name, endpoint: url }, 'endpoint registered; admitted once its ready probe passes');
          void health.probeAll();
        },
        onLeave: (pool, url) => logger.info({ pool: pool.name, endpoint: url }, 'registered endpoint left; it finishes the work it has'),
      })
    : undefined;
  const jobs = await openJobStore(config, baseDir, logger);
  let sharedRate: SharedRateLimiter | undefined;
  if (limits.rateLimitStore === 'redis') {
    try {
      const redis = await connectRedis(config.jobs?.url as string, {
        setting: 'jobs.url',
        name: 'splitflow-broker-rates',
        ...redisEvents(logger, 'rate limits'),
      });
      sharedRate = createRedisRateLimiter(redis, {
        ...(config.jobs?.prefix !== undefined ? { prefix: config.jobs.prefix } : {}),
        onFallback: (error) => logger.warn({ err: error }, "shared rate limits unavailable: each broker applies tenants' rates on its own"),
        onRecovered: () => logger.info('shared rate limits available again'),
      });
    } catch (error) {
      await jobs.close();
      throw error;
    }
  }
  const metrics = createMetrics(scheduler.pools);
  registerJobGauge(metrics.registry, jobs);
  const capacity = () =>
    planCapacity(scheduler.pools, loadMeter.snapshot(autoscale.windowMs ?? 60_000), loadMeter.snapshot(autoscale.startupMs ?? 10_000), autoscale);
  registerCapacityMetrics(metrics.registry, capacity);
  const tenants = createTenantRegistry(config.tenants, config.anonymous);
  const dispatcher = createDispatcher({
    scheduler,
    upstream,
    health,
    metrics,
    logger,
    maxAttempts: limits.maxAttempts ?? 3,
    upstreamTimeoutMs,
    endpointInAnswers: config.exposure?.endpointInAnswers === true,
    poolBytes: createByteBudget(limits.maxPoolBytes ?? DEFAULT_POOL_BYTES),
  });
  const tenantBytes = createByteBudget(limits.maxTenantBytes ?? DEFAULT_TENANT_BYTES);
  const runner: JobRunner = createJobRunner({
    store: jobs,
    dispatcher,
    models,
    logger,
    metrics,
    concurrency: config.jobs?.concurrency ?? 4,
    retentionS: config.jobs?.retentionS ?? 86_400,
    upstreamTimeoutMs,
  });

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    genReqId: requestIdOf,
    return503OnClosing: true,
    ...wireServerOptions(limits),
  });
  installWireGuards(app, { drainBytes: 4 * (limits.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES) });

  // Bodies stay bytes: the broker reads the JSON header and forwards the body as received. Binary
  // bodies (the large ones) stay in the chunks they arrived in; JSON is read whole by fastify.
  const bodyLimit = limits.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, bodyOf(body as Buffer)));
  app.addContentTypeParser(BINARY_CONTENT_TYPE, (_request, payload, done) => collectBody(payload, bodyLimit, done));
  // No type or any other (Triton's Python client sends none; curl sends a form type): read like the
  // worker does, as a JSON header with a binary tail when Inference-Header-Content-Length says so.
  app.addContentTypeParser('*', (_request, payload, done) => collectBody(payload, bodyLimit, done));

  if (config.cors && config.cors.origins.length > 0) {
    const origins = config.cors.origins;
    await app.register(cors, {
      origin: origins.includes('*') ? true : origins,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', BINARY_HEADER, 'traceparent', 'tracestate', 'x-request-id'],
      exposedHeaders: ['retry-after', 'x-request-id', BINARY_HEADER, 'splitflow-pool', 'splitflow-hardware', 'splitflow-attempts', 'location'],
      maxAge: 600,
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const failure = asSplitflowError(error);
    if (failure.code === 'INTERNAL') request.log.error({ err: error }, 'unexpected fault');
    reply.header('x-request-id', request.id);
    return replyWithError(reply, failure);
  });
  app.setNotFoundHandler((request, reply) => replyWithError(reply, routeNotFound(request)));
  // A callback hook, not an async one: no promise per request; below info level the line is not even built.
  app.addHook('onResponse', (request, reply, done) => {
    if (logger.isLevelEnabled('info')) {
      request.log.info(
        { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request',
      );
    }
    done();
  });

  const authenticate = (request: FastifyRequest): Tenant => {
    try {
      return tenants.authenticate(request.headers.authorization);
    } catch (error) {
      metrics.refusals.inc({ code: 'UNAUTHORIZED' });
      throw error;
    }
  };

  function lookupModel(name: string, version: string | undefined): ModelManifest {
    const manifest = models.get(name);
    if (!manifest) throw new SplitflowError('MODEL_NOT_FOUND', { message: `no model "${name}" is served here`, details: { model: name } });
    if (version !== undefined && version !== manifest.version) {
      throw new SplitflowError('MODEL_NOT_FOUND', {
        message: `model "${name}" has version ${manifest.version}, not ${version}`,
        details: { model: name, version },
      });
    }
    return manifest;
  }

  const modelReady = (name: string) => scheduler.poolsFor(name).some((p) => p.endpoints.some(isServing));

  if (registry) registerRegistrationRoutes(app, registry);
  registerServerRoutes(app, {
    metadata: SERVER_METADATA,
    notReadyReason: () =>
      scheduler.pools.some((p) => p.endpoints.some(isServing))
        ? undefined
        : new SplitflowError('NO_CAPACITY', { message: 'no pool endpoint has passed a probe yet', retryAfterS: 1 }),
  });
  registerMetricsRoute(app, metrics, config.exposure);

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    authenticate(request);
    const m = lookupModel(request.params.name, request.params.version);
    return modelMetadata(m, scheduler.poolsFor(m.id), upstream);
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    authenticate(request);
    const m = lookupModel(request.params.name, request.params.version);
    if (!modelReady(m.id)) return notReady(reply, new SplitflowError('NO_CAPACITY', { message: `no healthy pool serves "${m.id}" now`, retryAfterS: 1 }));
    return reply.code(200).send();
  };
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);

  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const receivedAt = performance.now();
    const tenant = authenticate(request);
    reply.header('x-request-id', request.id);
    const manifest = lookupModel(request.params.name, request.params.version);
    const body = (request.body as RequestBody | undefined) ?? EMPTY_BODY;
    const rawLength = request.headers[BINARY_HEADER];
    const headerLength = Array.isArray(rawLength) ? rawLength[0] : rawLength;
    const contentType = headerLength !== undefined ? BINARY_CONTENT_TYPE : 'application/json';
    let code = 'OK';
    let admission: Admission | undefined;
    try {
      const parsed = parseInfer(manifest, body, headerLength, defaultDeadlineMs, limits.maxJsonBytes);
      const async = parsed.mode === 'async';
      try {
        admission = tenants.admit(tenant, !async, sharedRate === undefined);
        // Only with shared limits configured does admission wait on I/O.
        if (sharedRate !== undefined && tenant.rateLimit !== undefined) await sharedRate.admit(tenant);
      } catch (error) {
        metrics.refusals.inc({ code: 'RATE_LIMITED' });
        throw error;
      }
      const traceparent = traceparentOf(request.headers.traceparent);
      reply.header('traceparent', traceparent);
      if (async) {
        const id = randomUUID();
        // The 202 goes out only once the store has the job; a store that cannot take it answers 503.
        await jobs.insert(
          id,
          {
            tenant: tenant.id,
            model: manifest.id,
            ...(request.params.version !== undefined ? { version: request.params.version } : {}),
            body: wholeOf(body),
            contentType,
            ...(headerLength !== undefined ? { headerLength } : {}),
            requestId: request.id,
            traceparent,
          },
          Date.now(),
        );
        metrics.jobs.inc({ event: 'accepted' });
        runner.wake();
        code = 'ACCEPTED';
        return reply
          .code(202)
          .header('location', `/v2/jobs/${id}`)
          .send({ id, status: 'queued', model_name: manifest.id, parameters: { [SPLITFLOW_PARAMS.jobId]: id } });
      }
      const releaseBytes = tenantBytes.take(tenant.id, body.length, () => {
        metrics.refusals.inc({ code: 'RATE_LIMITED' });
        return new SplitflowError('RATE_LIMITED', { message: `tenant "${tenant.id}" holds its limit of request bytes in flight`, retryAfterS: 1 });
      });
      const input: DispatchInput = {
        model: manifest.id,
        body: body.chunks,
        contentType,
        placement: {
          model: manifest.id,
          work: parsed.work,
          batch: parsed.batch,
          bytes: body.length * 2,
          priority: parsed.priority,
          hardDeadline: parsed.hardDeadline,
        },
        deadlineAt: receivedAt + parsed.deadlineMs,
        requestId: request.id,
        traceparent,
      };
      // Optional fields assigned, not spread from conditional objects: this runs on every request.
      if (request.params.version !== undefined) input.version = request.params.version;
      if (headerLength !== undefined) input.headerLength = headerLength;
      const tracestate = request.headers.tracestate;
      if (typeof tracestate === 'string') input.tracestate = tracestate;
      const result = await dispatcher.dispatch(input).finally(releaseBytes);
      code = result.status < 400 ? 'OK' : `HTTP_${result.status}`;
      reply.code(result.status).headers(result.headers).header('content-type', result.contentType);
      if (result.headerLength !== undefined) reply.header(BINARY_HEADER, result.headerLength);
      return reply.send(result.body);
    } catch (error) {
      const failure = asSplitflowError(error);
      code = failure.code;
      if (failure.code === 'DEADLINE_UNMEETABLE' || failure.code === 'OVERLOADED' || failure.code === 'NO_CAPACITY')
        metrics.refusals.inc({ code: failure.code });
      throw failure;
    } finally {
      admission?.release();
      metrics.requests.inc({ model: manifest.id, code });
    }
  };
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);

  app.get('/v2/jobs/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const tenant = authenticate(request);
    const job = await jobs.get(request.params.id);
    // Another tenant's job is as unknown as one that never was.
    if (!job || job.tenant !== tenant.id) throw new SplitflowError('NOT_FOUND', { message: `no job "${request.params.id}"` });
    reply.header('splitflow-job-status', job.status);
    if (!job.result) return reply.code(202).send({ id: job.id, status: job.status, attempts: job.attempts, model_name: job.model });
    reply.code(job.result.status).header('content-type', job.result.contentType);
    if (job.result.headerLength !== undefined) reply.header(BINARY_HEADER, job.result.headerLength);
    return reply.send(job.result.body);
  });

  await app.ready();
  if (options.healthChecks !== false) health.start();
  discovery.start();
  registry?.start();
  await runner.start();

  let closing: Promise<void> | undefined;
  let grpc: OipGrpcServer | undefined;
  return {
    app,
    get grpc() {
      return grpc;
    },
    scheduler,
    metrics,
    health,
    discovery,
    capacity,
    ...(registry ? { registry } : {}),
    jobs,
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? config.listen?.host ?? '127.0.0.1';
      const port = listenOptions.port ?? config.listen?.port ?? 0;
      await app.listen({ host, port });
      const grpcPort = listenOptions.grpcPort ?? config.listen?.grpcPort;
      // gRPC calls become the REST requests they stand for, through these same routes (oip-grpc).
      if (grpcPort !== undefined) grpc = await serveOipGrpc((request) => app.inject(request), { host, port: grpcPort, maxMessageBytes: bodyLimit });
      return httpUrl(host, boundPort(app.server, port));
    },
    close() {
      closing ??= (async () => {
        health.stop();
        discovery.stop();
        registry?.stop();
        await Promise.all([grpc?.close(), app.close()]);
        await runner.stop();
        await jobs.close();
        await sharedRate?.close();
        if (!options.upstream) await upstream.close();
      })();
      return closing;
    },
  };
}
