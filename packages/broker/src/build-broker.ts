import { isAbsolute, resolve } from 'node:path';
import { type BrokerConfig, type ModelCatalog, SplitflowError, validateBrokerConfig } from '@splitflow/contract';
import { type OipGrpcServer, serveOipGrpc } from '@splitflow/oip-grpc';
import { boundPort, type HealthAnswers, httpUrl, readCatalogFile, registerMetricsRoute } from '@splitflow/server-kit';
import type { FastifyInstance } from 'fastify';
import { createAuthenticate } from './admission/authenticate.js';
import { createByteBudget } from './admission/byte-budget.js';
import { openSharedRate } from './admission/open-shared-rate.js';
import type { SharedRateLimiter } from './admission/redis-rate-limiter.js';
import { createTenantRegistry } from './admission/tenants.js';
import { createCapacityController } from './autoscale/capacity-controller.js';
import { registerCapacityMetrics } from './autoscale/capacity-metrics.js';
import type { CapacityPlan } from './autoscale/capacity-planner.js';
import { createLoadMeter } from './autoscale/load-meter.js';
import { withLoadMeter } from './autoscale/metered-scheduler.js';
import { noteAdmitted } from './autoscale/startup-time.js';
import { indexModels } from './catalog/model-index.js';
import { createDnsDiscovery, type Discovery } from './discovery/dns-discovery.js';
import { openSharedRegistrations } from './discovery/open-shared-registrations.js';
import { createEndpointRegistry, type EndpointRegistry } from './discovery/registration.js';
import { createHealthChecker, type HealthChecker } from './health/health-checker.js';
import { createBrokerApp, DEFAULT_BODY_LIMIT_BYTES } from './http/create-broker-app.js';
import { registerServerRoutes, serverHealth } from './http/health-routes.js';
import { registerInferRoute } from './http/infer-route.js';
import { registerJobRoutes } from './http/job-routes.js';
import { registerModelRoutes } from './http/model-routes.js';
import { registerRegistrationRoutes } from './http/registration-routes.js';
import { registerJobGauge } from './jobs/job-gauge.js';
import { createJobRunner, type JobRunner } from './jobs/job-runner.js';
import type { JobStore } from './jobs/job-store.js';
import { openJobStore } from './jobs/open-job-store.js';
import { createLogger, type Logger } from './observability/logger.js';
import { type BrokerMetrics, createMetrics } from './observability/metrics.js';
import { createDispatcher } from './proxy/dispatcher.js';
import { createUpstream, type Upstream } from './proxy/upstream.js';
import { isServing } from './scheduler/pool-state.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';

export { DEFAULT_BODY_LIMIT_BYTES } from './http/create-broker-app.js';

export const BROKER_VERSION = '0.1.0';
export const SERVER_METADATA = Object.freeze({
  name: 'splitflow-broker',
  version: BROKER_VERSION,
  extensions: ['binary_tensor_data', 'splitflow', 'splitflow_async'],
});
export const DEFAULT_POOL_BYTES = 256 * 1024 * 1024;
export const DEFAULT_TENANT_BYTES = 128 * 1024 * 1024;
export const DEFAULT_TENANT_QUEUED_BYTES = 1024 * 1024 * 1024;

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

/**
 * Builds a broker without listening: an OIP v2 front door that authenticates tenants, checks requests
 * against the catalog, places each on the pool the scheduler picks and proxies it there.
 */
export async function buildBroker(rawConfig: BrokerConfig, options: BuildBrokerOptions = {}): Promise<Broker> {
  const config = validateBrokerConfig(rawConfig);
  const baseDir = options.baseDir ?? process.cwd();
  const catalogPath = config.catalog ?? 'models/catalog.json';
  const catalog = options.catalog ?? (await readCatalogFile(isAbsolute(catalogPath) ? catalogPath : resolve(baseDir, catalogPath)));
  const models = indexModels(catalog, config);
  const logger = options.logger ?? createLogger(config.log?.level ?? 'info');
  const limits = config.limits ?? {};
  const defaultDeadlineMs = limits.defaultDeadlineMs ?? 1000;
  const upstreamTimeoutMs = limits.upstreamTimeoutMs ?? 30_000;

  const autoscale = config.autoscale ?? {};
  // The ring keeps the long window and the two start-up windows the trend compares.
  const loadMeter = createLoadMeter({ windowMs: Math.max(autoscale.windowMs ?? 60_000, 2 * (autoscale.startupMs ?? 10_000)) });
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
    onChange: (e, healthy, why) => {
      if (healthy) noteAdmitted(e, performance.now());
      logger.warn({ pool: e.pool.name, endpoint: e.url, healthy, why }, healthy ? 'endpoint readmitted' : 'endpoint ejected');
    },
  });
  const discovery = createDnsDiscovery(scheduler.pools, config.pools, {
    onJoin: (pool, url) => {
      logger.info({ pool: pool.name, endpoint: url }, 'endpoint discovered; admitted once its ready probe passes');
      void health.probeAll();
    },
    onLeave: (pool, url) => logger.info({ pool: pool.name, endpoint: url }, 'endpoint left; it finishes the work it has'),
    onError: (pool, error) => logger.warn({ pool: pool.name, err: error.message }, 'endpoint discovery failed; membership kept'),
  });
  // Registrations shared by the replicas through the jobs Redis, where the config asks for it.
  const sharedRegistrations = await openSharedRegistrations(config, logger);
  let sharedDown = false;
  const registry = config.registration
    ? createEndpointRegistry(
        scheduler.pools,
        config.pools,
        config.registration,
        {
          onJoin: (pool, url) => {
            logger.info({ pool: pool.name, endpoint: url }, 'endpoint registered; admitted once its ready probe passes');
            void health.probeAll();
          },
          onLeave: (pool, url) => logger.info({ pool: pool.name, endpoint: url }, 'registered endpoint left; it finishes the work it has'),
          onSharedError: (error) => {
            if (sharedDown) return;
            sharedDown = true;
            logger.warn({ err: error.message }, 'shared registrations unavailable: this broker keeps the workers that heartbeat to it');
          },
        },
        undefined,
        sharedRegistrations,
      )
    : undefined;
  let jobs: JobStore;
  try {
    jobs = await openJobStore(config, baseDir, logger);
  } catch (error) {
    await sharedRegistrations?.close();
    throw error;
  }
  let sharedRate: SharedRateLimiter | undefined;
  try {
    sharedRate = await openSharedRate(config, logger);
  } catch (error) {
    await jobs.close();
    await sharedRegistrations?.close();
    throw error;
  }
  const metrics = createMetrics(scheduler.pools);
  registerJobGauge(metrics.registry, jobs);
  const controller = createCapacityController(scheduler.pools, loadMeter, autoscale);
  const capacity = () => controller.plan();
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

  let probeAnswers: HealthAnswers | undefined;
  const app = await createBrokerApp(config, logger, () => probeAnswers);
  const bodyLimit = limits.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const authenticate = createAuthenticate(tenants, metrics);

  if (registry) registerRegistrationRoutes(app, registry);
  // Probes answered before fastify do not see its closing 503: while the broker closes, not ready.
  let shuttingDown = false;
  app.addHook('preClose', async () => {
    shuttingDown = true;
  });
  const notReadyReason = () => {
    if (shuttingDown) return new SplitflowError('SHUTTING_DOWN', { message: 'the broker is shutting down', retryAfterS: 1 });
    return scheduler.pools.some((p) => p.endpoints.some(isServing))
      ? undefined
      : new SplitflowError('NO_CAPACITY', { message: 'no pool endpoint has passed a probe yet', retryAfterS: 1 });
  };
  registerServerRoutes(app, { metadata: SERVER_METADATA, notReadyReason });
  probeAnswers = serverHealth(notReadyReason);
  registerMetricsRoute(app, { contentType: metrics.registry.contentType, render: () => metrics.registry.metrics() }, config.exposure);

  registerModelRoutes(app, { authenticate, models, scheduler, upstream });
  registerInferRoute(app, {
    authenticate,
    models,
    tenants,
    sharedRate,
    tenantBytes,
    maxQueuedBytes: limits.maxTenantQueuedBytes ?? DEFAULT_TENANT_QUEUED_BYTES,
    dispatcher,
    jobs,
    runner,
    metrics,
    defaultDeadlineMs,
    maxJsonBytes: limits.maxJsonBytes,
  });
  registerJobRoutes(app, { authenticate, jobs });

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
        await sharedRegistrations?.close();
        if (!options.upstream) await upstream.close();
      })();
      return closing;
    },
  };
}
