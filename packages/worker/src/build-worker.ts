import { LOAD_HEADERS, type ModelManifest, SplitflowError, workOf } from '@splitflow/contract';
import {
  asSplitflowError,
  fastHealthServer,
  type HealthAnswers,
  installWireGuards,
  redactUrl,
  registerMetricsRoute,
  replyWithError,
  routeNotFound,
  wireServerOptions,
} from '@splitflow/server-kit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { createRunGate } from './batching/run-gate.js';
import { type BatchingConfig, DEFAULT_BATCHING, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_JSON_BYTES, type WorkerConfig } from './config.js';
import { registerInferRoute } from './http/infer-route.js';
import { registerMetadataRoutes, workerHealth } from './http/metadata-routes.js';
import { registerRepositoryRoutes } from './http/repository-routes.js';
import type { WorkerState } from './http/worker-state.js';
import { createWorkerMetrics, type ProcessRole, type WorkerMetrics } from './metrics/worker-metrics.js';
import { loadModelSources } from './models/load-catalog.js';
import { loadModels, type ModelRegistry } from './models/model-registry.js';
import { EXECUTION_PROVIDERS, GRAPH_OPTIMIZATION_LEVELS, parseExecutionProvider, WEBGPU_VALIDATION_MODES } from './session/execution-provider.js';
import { createOrtSessionFactory, listedProviders, type OrtSessionOptions, probeProviders } from './session/ort-node.js';
import { createThreadedSessionFactory } from './session/session-thread.js';

function batchingFor(config: WorkerConfig, id: string): BatchingConfig {
  const merged = { ...DEFAULT_BATCHING, ...config.batching, ...config.modelBatching?.[id] };
  const { buckets, ...counts } = merged;
  if (buckets !== undefined) {
    const ok =
      Array.isArray(buckets) &&
      buckets.every((b, i) => Number.isInteger(b) && b >= 1 && (i === 0 || b > (buckets[i - 1] as number))) &&
      (buckets.length === 0 || (buckets.at(-1) as number) >= merged.maxBatch);
    if (!ok) {
      throw new SplitflowError('INVALID_DOCUMENT', {
        message: `batching.buckets for model "${id}" must be ascending integers >= 1 whose largest is at least maxBatch (${merged.maxBatch}), got ${JSON.stringify(buckets)}`,
      });
    }
  }
  for (const [key, value] of Object.entries(counts)) {
    const min = key === 'maxQueueDelayUs' || key === 'maxQueue' || key === 'maxQueueWaitMs' ? 0 : 1;
    if (!Number.isInteger(value) || value < min) {
      throw new SplitflowError('INVALID_DOCUMENT', { message: `batching.${key} for model "${id}" must be an integer >= ${min}, got ${JSON.stringify(value)}` });
    }
  }
  return merged;
}

/** `modelSessions` names served models only, with settings onnxruntime knows. */
function checkModelSessions(config: WorkerConfig, served: ReadonlySet<string>): void {
  for (const [id, own] of Object.entries(config.modelSessions ?? {})) {
    const bad = (message: string) => new SplitflowError('INVALID_DOCUMENT', { message: `modelSessions.${id}: ${message}` });
    if (!served.has(id)) throw bad(`this worker does not serve "${id}"; it serves ${[...served].join(', ')}`);
    if (own.graphOptimization !== undefined && !(GRAPH_OPTIMIZATION_LEVELS as readonly string[]).includes(own.graphOptimization))
      throw bad(`graphOptimization must be one of ${GRAPH_OPTIMIZATION_LEVELS.join(', ')}, got ${JSON.stringify(own.graphOptimization)}`);
    const mode = own.webgpu?.validationMode;
    if (mode !== undefined && !(WEBGPU_VALIDATION_MODES as readonly string[]).includes(mode))
      throw bad(`webgpu.validationMode must be one of ${WEBGPU_VALIDATION_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
}

/** A model whose one row costs less than this many MFLOP at its largest dims is small (see `smallModelThreads`). */
export const SMALL_MODEL_MFLOP = 10;

/** FLOPs of one row with every other symbolic dim at the largest the manifest allows (or 1 when unbounded). */
export function rowFlopsAtMostDims(manifest: ModelManifest): number {
  const dims: Record<string, number> = {};
  for (const [name, bound] of Object.entries(manifest.dimBounds ?? {})) dims[name] = bound.max ?? bound.min ?? 1;
  if (manifest.batchDim !== undefined) dims[manifest.batchDim] = 1;
  return workOf(manifest, dims).flops;
}

/**
 * Memory a model takes in this worker: its weights once per session, plus one row's activations at
 * the largest dims its manifest allows (what the manifest's cost profile gives).
 */
export function modelFootprintBytes(manifest: ModelManifest, sessions: number): number {
  const dims: Record<string, number> = {};
  for (const [name, bound] of Object.entries(manifest.dimBounds ?? {})) dims[name] = bound.max ?? bound.min ?? 1;
  if (manifest.batchDim !== undefined) dims[manifest.batchDim] = 1;
  return workOf(manifest, dims).bytes + manifest.cost.parameterBytes * Math.max(0, sessions - 1);
}

/**
 * Builds a worker without listening: verifies and opens the catalog's models, and returns the
 * fastify app (`app.inject()` in tests, `app.listen()` to serve). Rejects with PROVIDER_UNAVAILABLE
 * when the execution provider cannot start here, naming the ones that can. Closing the app drains
 * queued and running requests, then releases the sessions.
 */
export async function buildWorker(config: WorkerConfig): Promise<FastifyInstance> {
  return (await buildWorkerParts(config)).app;
}

/** Where a worker's models may come from instead of its own sessions (see `buildWorkerParts`). */
export interface WorkerSeams {
  /** The models as another process holds them (a front end's view of the process owning the sessions). */
  registry?: ModelRegistry;
  /** Given this worker's metrics at build time, what `/metrics` renders (a front end answers for every process of its pool). */
  metricsFrom?: (own: WorkerMetrics) => () => Promise<string>;
  /** Requests in flight in the pool's other processes (see WorkerState). */
  inFlightElsewhere?: () => number;
  /** What this process is in a pool with HTTP front ends (labels its metrics). @default 'worker' */
  role?: ProcessRole;
}

/** A built worker and the state its routes share (the process owning sessions for front ends reads it). */
export interface WorkerParts {
  app: FastifyInstance;
  state: WorkerState;
}

/** `buildWorker`, also returning the routes' state; with `seams.registry` no model is opened here. */
export async function buildWorkerParts(config: WorkerConfig, seams: WorkerSeams = {}): Promise<WorkerParts> {
  const provider = parseExecutionProvider(config.provider ?? 'cpu');
  const listed = listedProviders();
  if (!listed.includes(provider)) {
    throw new SplitflowError('PROVIDER_UNAVAILABLE', {
      message: `execution provider "${provider}" is not in this onnxruntime-node build; it has ${listed.join(', ')}`,
      details: { requested: provider, available: listed },
    });
  }
  const hardware = config.hardware ?? EXECUTION_PROVIDERS[provider].hardware;
  const bodyLimit = config.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const sources = seams.registry ? [] : await loadModelSources(config);
  for (const source of sources) batchingFor(config, source.manifest.id);
  if (!seams.registry) checkModelSessions(config, new Set(sources.map((s) => s.manifest.id)));

  const app = Fastify({
    // Request lines name the URL with credential-like query values (`?api_key=...`) redacted.
    logger: config.logLevel
      ? {
          level: config.logLevel,
          ...(config.logStream !== undefined ? { stream: config.logStream } : {}),
          serializers: {
            req: (req: FastifyRequest) => ({
              method: req.method,
              url: redactUrl(req.url),
              host: req.host,
              remoteAddress: req.ip,
              remotePort: req.socket?.remotePort,
            }),
          },
        }
      : false,
    bodyLimit,
    // Our own SHUTTING_DOWN answer (with its code and load headers) replaces fastify's bare 503.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...wireServerOptions(config),
    // Probes are answered before fastify, so they never wait behind other requests' hooks and bodies.
    serverFactory: fastHealthServer(() => health),
  });
  let health: HealthAnswers | undefined;
  installWireGuards(app, { drainBytes: 4 * bodyLimit });

  let registry: ModelRegistry | undefined;
  const metrics = createWorkerMetrics(() => registry?.depths() ?? {}, seams.role);
  const sessionOptions: OrtSessionOptions = {
    provider,
    spinning: config.spinning ?? false,
    ...(config.intraOpThreads !== undefined ? { intraOpThreads: config.intraOpThreads } : {}),
    ...(config.webgpu !== undefined ? { webgpu: config.webgpu } : {}),
  };
  const threaded = !config.mainThreadRuns;
  const batchClassRuns = config.batchClassRuns ?? 1;
  if (!Number.isInteger(batchClassRuns) || batchClassRuns < 0) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `batchClassRuns must be an integer >= 0, got ${JSON.stringify(batchClassRuns)}` });
  }
  const small = config.smallModelThreads ?? 1;
  if (small !== false && (!Number.isInteger(small) || small < 1)) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `smallModelThreads must be an integer >= 1 or false, got ${JSON.stringify(small)}` });
  }
  // CPU sessions get a thread each, so runs of different models (and instances) overlap; GPU sessions
  // share one thread, since their device runs one thing at a time and must be used from one thread.
  const gpu = provider !== 'cpu';
  const budgetGiB = config.memoryBudgetGiB;
  if (budgetGiB !== undefined && !(budgetGiB > 0 && Number.isFinite(budgetGiB))) {
    throw new SplitflowError('INVALID_DOCUMENT', { message: `memoryBudgetGiB must be a positive number, got ${JSON.stringify(budgetGiB)}` });
  }
  // Where models come and go, answers say which are in memory, so a broker can tell warm from cold.
  const dynamic = budgetGiB !== undefined || config.loadOnDemand === true;
  try {
    registry = seams.registry ?? (await openModels());
  } catch (error) {
    await app.close();
    throw error;
  }
  function openModels(): Promise<ModelRegistry> {
    const factory = threaded ? createThreadedSessionFactory(sessionOptions, { shareThread: gpu }) : createOrtSessionFactory(sessionOptions);
    return loadModels({
      sources,
      factory,
      // Several sessions of one model only run at once from threads of their own.
      sessionsPerModel: (batching) => (threaded && !gpu ? batching.instances : 1),
      ...(batchClassRuns > 0 ? { batchGate: createRunGate(batchClassRuns) } : {}),
      tuningFor: (manifest) => {
        const own = config.modelSessions?.[manifest.id] ?? {};
        if (provider !== 'cpu' || small === false || rowFlopsAtMostDims(manifest) >= SMALL_MODEL_MFLOP * 1e6) return { ...own };
        // A small model's run takes less than the hop to a thread and back, and blocking the event
        // loop that briefly harms nothing: it stays on the main thread.
        return { ...own, intraOpThreads: Math.min(small, config.intraOpThreads ?? small), onCallingThread: true };
      },
      batchingFor: (id) => batchingFor(config, id),
      footprintOf: modelFootprintBytes,
      ...(budgetGiB !== undefined ? { budgetBytes: budgetGiB * 2 ** 30 } : {}),
      onDemand: config.loadOnDemand === true,
      onChange: (model, event, ms) => {
        metrics.modelEvents.inc({ model, event });
        if (event === 'loaded') metrics.loadSeconds.observe({ model }, ms / 1000);
        app.log.info({ model, ms: Math.round(ms) }, `model ${event}`);
      },
      onBatch: (model, stats) => metrics.batchSize.observe({ model }, stats.rows),
      log: (message, fields) => app.log.warn(fields, message),
      async diagnose(model, error) {
        if (provider === 'cpu') return undefined;
        const probe = await probeProviders(model);
        // The model opens elsewhere, so the provider is at fault: stop the worker rather than fall back.
        if (!probe.available.includes('cpu')) return undefined;
        return new SplitflowError('PROVIDER_UNAVAILABLE', {
          message: `execution provider "${provider}" cannot start here: ${(error as Error).message.trim()}. Available here: ${probe.available.join(', ')}`,
          details: { requested: provider, available: probe.available, failures: probe.failures },
          cause: error,
        });
      },
    });
  }

  const state: WorkerState = {
    name: config.name ?? 'splitflow-worker',
    provider,
    hardware,
    registry,
    metrics,
    draining: false,
    inFlight: 0,
    maxJsonBytes: config.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES,
    ...(seams.inFlightElsewhere ? { inFlightElsewhere: seams.inFlightElsewhere } : {}),
  };

  // Every body reaches the routes as raw bytes: the OIP codec reads JSON and Triton's binary extension alike.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  // What every answer carries, health probes answered before fastify included.
  const loadHeaders = (): Record<string, string> => {
    const headers: Record<string, string> = {
      [LOAD_HEADERS.queueDepth]: String(state.registry.totalDepth()),
      [LOAD_HEADERS.inFlight]: String(state.inFlight + (state.inFlightElsewhere?.() ?? 0)),
      [LOAD_HEADERS.hardware]: state.hardware,
    };
    if (dynamic) headers[LOAD_HEADERS.loadedModels] = state.registry.loaded().join(',');
    // While draining, answered keep-alive connections must not hold the server open until they time out.
    if (state.draining) headers.connection = 'close';
    return headers;
  };
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(loadHeaders());
    return payload;
  });

  app.setErrorHandler(async (error, request, reply) => {
    const failure = asSplitflowError(error);
    if (failure.code === 'INTERNAL') request.log.error({ err: error }, 'unexpected fault');
    metrics.errors.inc({ code: failure.code });
    return replyWithError(reply, failure);
  });
  app.setNotFoundHandler(async (request) => {
    throw routeNotFound(request);
  });
  app.addHook('onResponse', async (request, reply) => {
    const name = (request.params as { name?: string } | undefined)?.name;
    if (request.routeOptions.url?.endsWith('/infer') && name !== undefined && state.registry.get(name)) {
      metrics.requests.inc({ model: name, status: String(reply.statusCode) });
    }
  });

  health = workerHealth(state, loadHeaders);
  registerMetadataRoutes(app, state);
  registerRepositoryRoutes(app, state);
  registerInferRoute(app, state);
  registerMetricsRoute(app, seams.metricsFrom ? { contentType: metrics.contentType, render: seams.metricsFrom(metrics) } : metrics, {
    ...(config.metrics !== undefined ? { metrics: config.metrics } : {}),
    ...(config.metricsToken !== undefined ? { metricsToken: config.metricsToken } : {}),
  });

  // fastify closes the listener and waits for open requests before onClose hooks run, and queued
  // requests are open requests: the queues must start draining (without their batching delay) here.
  let drained: Promise<void> | undefined;
  app.addHook('preClose', async () => {
    state.draining = true;
    drained = state.registry.close();
  });
  app.addHook('onClose', async () => {
    await (drained ?? state.registry.close());
  });
  return { app, state };
}
