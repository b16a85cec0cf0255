import {
  bindInputs,
  type DeviceProfile,
  type ErrorCode,
  isSplitflowError,
  type RoutingThresholds,
  resolveThresholds,
  responseBytes,
  SplitflowError,
  type Tensor,
  tensorToBytes,
  validatePolicyLazily,
  workOf,
} from '@splitflow/contract/core';
import { loadCatalog } from '../catalog/load-catalog.js';
import { createCloudClient } from '../cloud/cloud-client.js';
import { createServedModels } from '../cloud/served-models.js';
import { createModelStore } from '../delivery/model-store.js';
import { measureRoundTrip } from '../probe/network.js';
import { createCachedProbe } from '../probe/probe-device.js';
import type { RouteDecision, Where } from '../router/decision.js';
import { CLOUD_PRIOR, createLatencyRouter, DEFAULT_LINK, linkOf } from '../router/latency-router.js';
import { createLiveEstimates } from '../router/live-estimates.js';
import { type HeadPlan, headKey } from '../router/split-candidates.js';
import { decideWithSplit } from '../router/split-decision.js';
import { within } from '../timing/within.js';
import { type CloudOutcome, createCloudRoute } from './cloud-route.js';
import { createEmitter } from './emitter.js';
import { createLocalRoute, type InputHolder, type LocalOutcome, lazyExecutor } from './local-route.js';
import { memoryMisfit } from './memory-fit.js';
import { toNamed } from './named-inputs.js';
import { HEAD_FAILED, headCost, runSplit, type SplitOutcome } from './split-run.js';
import type { ClientEvents, ClientOptions, InferResult, PrefetchResult, Route, SplitflowClient } from './types.js';

// Errors that the other route cannot cure: bad input fails there too, and a caller's abort or a
// disposed client means stop.
const NO_FALLBACK: ReadonlySet<ErrorCode> = new Set(['INVALID_TENSOR', 'INVALID_REQUEST', 'ABORTED', 'DISPOSED']);

const now = () => performance.now();

function isOnline(device: DeviceProfile): DeviceProfile['network']['online'] {
  const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
  return typeof nav?.onLine === 'boolean' ? nav.onLine : device.network.online;
}

/**
 * Creates a Splitflow client: loads the catalog, probes the device, and routes each `infer` to the
 * local runtime (in a Worker) or the cloud. No global state: two clients share nothing.
 */
export async function createClient(options: ClientOptions): Promise<SplitflowClient> {
  const policy = await validatePolicyLazily(options.policy ?? {});
  const budget = options.memoryBudgetBytes;
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    throw new SplitflowError('INVALID_REQUEST', { message: `memoryBudgetBytes must be a positive number of bytes, got ${String(budget)}` });
  }
  const emitter = createEmitter<ClientEvents>();
  const probe = createCachedProbe(options.probe);
  const executor = lazyExecutor(options.worker);
  // Preloading starts the Worker while the catalog loads and the device is probed.
  if (options.preload?.length) void executor.get();
  const [loaded, firstProfile] = await Promise.all([loadCatalog(options.catalog, { baseUrl: options.modelBaseUrl, fetch: options.fetch }), probe.get()]);
  let profile = firstProfile;
  // Checked before any work starts: a wrong id is the caller's mistake, not a background failure.
  try {
    for (const id of options.preload ?? []) loaded.manifest(id);
  } catch (error) {
    await executor.dispose();
    throw error;
  }
  const live = createLiveEstimates();
  const router = createLatencyRouter({ estimates: live, cloudThroughput: options.cloudThroughput });
  const store = createModelStore({
    baseUrl: loaded.baseUrl,
    fetch: options.fetch,
    cacheName: options.cacheName,
    ...('caches' in options ? { caches: options.caches } : {}),
    onProgress: (p) => emitter.emit('progress', p),
    onCacheWriteFailure: (f) => emitter.emit('storage', f),
  });
  const cloud = options.broker ? createCloudClient({ url: options.broker, apiKey: options.apiKey, fetch: options.fetch, ...options.cloud }) : undefined;
  const served = cloud ? createServedModels(cloud) : undefined;
  const pingCloud = async (quiet?: Promise<unknown>) => {
    if (!cloud) return;
    try {
      live.recordRtt(await measureRoundTrip(cloud.ping, quiet));
    } catch {
      // An unreachable cloud shows up on the first request, which then falls back.
    }
  };
  // The first decisions wait for this round trip (bounded), so the first cloud estimate is measured.
  // Its pings wait for the device probe to let go of the thread.
  let firstPing = pingCloud(probe.get());
  // After the ping, and a few at a time: queued behind a catalog's worth of lookups on a browser's
  // few connections per host, the ping would time the queue, not the round trip.
  served?.learn(
    loaded.catalog.models.map((m) => m.id),
    firstPing,
  );
  // A new link makes the learned network times wrong: forget them and measure again.
  const onNetworkChange = () => {
    live.resetNetwork();
    firstPing = pingCloud();
  };
  const scope = globalThis as { addEventListener?: EventTarget['addEventListener']; removeEventListener?: EventTarget['removeEventListener'] };
  const connection = (globalThis as { navigator?: { connection?: EventTarget } }).navigator?.connection;
  scope.addEventListener?.('online', onNetworkChange);
  connection?.addEventListener?.('change', onNetworkChange);

  let disposed = false;
  const alive = () => {
    if (disposed) throw new SplitflowError('DISPOSED', { message: 'the client was disposed' });
  };
  const local = createLocalRoute({ options, executor, store, live, emitter, alive });
  const runCloud = createCloudRoute(cloud, live, options);

  const ttlMs = options.probe?.ttlMs ?? 10 * 60_000;
  // A stale profile is still a good guess: serve it and re-probe in the background, so no request
  // waits for the probe after the first.
  const currentProfile = async () => {
    if (Date.now() - profile.probedAt >= ttlMs) {
      probe.refresh().then(
        (p) => {
          profile = p;
        },
        () => undefined,
      );
    }
    return profile;
  };

  const client: SplitflowClient = {
    async infer(model, inputs, o = {}) {
      const started = now();
      alive();
      const manifest = loaded.manifest(model);
      const holder: InputHolder = { tensors: toNamed(inputs, options.transferInputs === false) };
      const dims = bindInputs(manifest, holder.tensors);
      const device = await currentProfile();
      const routed: DeviceProfile = { ...device, network: { ...device.network, online: isOnline(device) } };
      const base = resolveThresholds(model, loaded.catalog.thresholds, {
        ...loaded.catalog.policy,
        ...policy,
        models: { ...loaded.catalog.policy?.models, ...policy.models },
      });
      const thresholds: RoutingThresholds = {
        ...base,
        ...(o.mode ? { mode: o.mode } : {}),
        ...(o.privacy ? { privacy: o.privacy } : {}),
        ...(o.latencyBudgetMs !== undefined ? { latencyBudgetMs: o.latencyBudgetMs } : {}),
      };
      if (!(thresholds.latencyBudgetMs > 0))
        throw new SplitflowError('INVALID_REQUEST', { message: `latencyBudgetMs must be > 0, got ${thresholds.latencyBudgetMs}` });
      const cloudCandidate = cloud !== undefined && thresholds.mode !== 'local-only' && thresholds.privacy !== 'local-only';
      const [plan, serves] = await Promise.all([
        local.planLocal(manifest, routed, dims),
        cloudCandidate ? served?.serves(model, thresholds.latencyBudgetMs) : undefined,
        cloudCandidate && live.rttMs() === undefined ? within(firstPing, thresholds.latencyBudgetMs) : undefined,
      ]);
      const requestBytes = holder.tensors.reduce((n, t) => n + tensorToBytes(t).byteLength, 0);
      const heads = new Map<string, HeadPlan>();
      for (const cut of manifest.cutPoints ?? []) {
        const warm = local.hasHeadSession(headKey(manifest.id, cut.name));
        // Each head is sized on its own: it may fit where the whole model does not, or not.
        const misfit = memoryMisfit(workOf({ cost: headCost(manifest, cut) }, dims).bytes, options.memoryBudgetBytes, plan.backends, 'head');
        heads.set(cut.name, {
          backend: plan.backend,
          sessionWarm: warm,
          missingBytes: warm ? 0 : await store.missingBytes([cut.head]),
          ...(misfit ? { blocked: misfit } : {}),
        });
      }
      const decision: RouteDecision = decideWithSplit(
        router,
        {
          manifest,
          thresholds,
          dims,
          requestBytes,
          responseBytes: responseBytes(manifest, dims),
          device: routed,
          local: plan,
          cloud: { configured: cloud !== undefined, serves },
        },
        {
          manifest,
          // A tail the endpoint said it does not serve is no candidate (workers serve tails only when asked).
          hasModel: (id) => loaded.catalog.models.some((m) => m.id === id) && served?.known()[id] !== false,
          link: linkOf(routed, live, DEFAULT_LINK),
          heads: (cut) => heads.get(cut.name) ?? { backend: plan.backend, sessionWarm: false, missingBytes: cut.head.bytes },
          live,
          cloudThroughput: options.cloudThroughput ?? CLOUD_PRIOR,
        },
        o.split,
      );
      const routeMs = now() - started;
      emitter.emit('route', { model, decision });
      const flops = workOf(manifest, dims).flops;
      const run = (where: Where): Promise<LocalOutcome | CloudOutcome | SplitOutcome> => {
        if (where === 'split' && decision.split) {
          return runSplit(
            {
              manifest: (id) => loaded.manifest(id),
              runLocal: async (m, h, f) => {
                // A head or tail sized at the tensors it takes: one that does not fit this page never runs here.
                const plan = await local.planLocal(m, routed, bindInputs(m, h.tensors));
                if (!plan.runnable) throw new SplitflowError('LOCAL_UNAVAILABLE', { message: `${m.id}: ${plan.reason}` });
                return local.runLocal(m, plan, f, h, o.signal);
              },
              runCloud: (m, tensors, f) => runCloud(m, f, tensors, thresholds.latencyBudgetMs, o),
              now,
            },
            manifest,
            decision.split,
            holder,
            dims,
          );
        }
        if (where === 'local') return local.runLocal(manifest, plan, flops, holder, o.signal);
        // A fallback gets what is left of the budget, but at least half of it: a late answer beats none.
        const left = Math.max(thresholds.latencyBudgetMs / 2, thresholds.latencyBudgetMs - (now() - started));
        return runCloud(manifest, flops, holder.tensors, where === decision.where ? thresholds.latencyBudgetMs : left, o);
      };
      const finish = (where: Where, outcome: LocalOutcome | CloudOutcome | SplitOutcome, fallback?: Route['fallback']): InferResult => {
        const split = 'split' in outcome ? outcome.split : undefined;
        // A split whose tail the device finished: the route stays a split, and says what failed.
        const tailFell = split?.tailFailed ? { from: 'split' as const, code: split.tailFailed.code, message: split.tailFailed.message } : undefined;
        const fell = fallback ?? tailFell;
        const reason = fallback
          ? `${decision.reason}; ${decision.where} failed (${fallback.code}), fell back to ${where}`
          : tailFell
            ? `${decision.reason}; the tail failed in the pool (${tailFell.code}), finished on the device from the head's output`
            : decision.reason;
        const route: Route = {
          where,
          ...(outcome.route as Partial<Route>),
          reason,
          decision,
          estimates: decision.estimates,
          timings: { totalMs: now() - started, routeMs, ...outcome.timings },
        };
        if (fell) route.fallback = fell;
        if (split) route.split = split;
        return { outputs: Object.fromEntries(outcome.outputs.map(({ name, ...t }) => [name, t as Tensor])), route };
      };
      try {
        return finish(decision.where, await run(decision.where));
      } catch (error) {
        const first = isSplitflowError(error) ? error : new SplitflowError('INTERNAL', { message: String((error as Error)?.message ?? error), cause: error });
        // A split falls back whole to the cloud only when its head failed (a failed tail was finished
        // here already) and the raw input may leave the device.
        const headFailed = (first.details as { stage?: string } | undefined)?.stage === HEAD_FAILED;
        const other: Where | undefined =
          decision.where === 'split' ? (headFailed && decision.cloudBlocked === undefined ? 'cloud' : undefined) : decision.fallback;
        if (!other || NO_FALLBACK.has(first.code) || disposed) throw first;
        emitter.emit('fallback', { model, from: decision.where, to: other, code: first.code, message: first.message });
        try {
          return finish(other, await run(other), { from: decision.where, code: first.code, message: first.message });
        } catch (second) {
          const again = isSplitflowError(second) ? second : new SplitflowError('INTERNAL', { message: String(second) });
          throw new SplitflowError('ALL_ROUTES_FAILED', {
            message: `model "${model}": ${decision.where} failed (${first.code}: ${first.message}); ${other} failed (${again.code}: ${again.message})`,
            details: {
              model,
              attempts: [
                { where: decision.where, code: first.code, message: first.message },
                { where: other, code: again.code, message: again.message },
              ],
            },
          });
        }
      }
    },

    async auxFile(model, path, o = {}) {
      alive();
      const manifest = loaded.manifest(model);
      const aux = manifest.files.filter((f) => f.role === 'aux');
      const file = path === undefined ? aux[0] : aux.find((f) => f.path === path || f.path.endsWith(`/${path}`));
      if (!file) {
        throw new SplitflowError('NOT_FOUND', {
          message: `model "${model}" has no aux file${path === undefined ? '' : ` "${path}"`}; it has: ${aux.map((f) => f.path).join(', ') || 'none'}`,
          details: { model },
        });
      }
      const [loadedFile] = await store.load(model, [file], o.signal);
      return (loadedFile as { bytes: Uint8Array }).bytes;
    },

    async prefetch(model, o = {}) {
      alive();
      const manifest = loaded.manifest(model);
      const device = await currentProfile();
      const plan = await local.planLocal(manifest, device);
      if (!plan.runnable) throw new SplitflowError('LOCAL_UNAVAILABLE', { message: `model "${model}": ${plan.reason}`, details: { model } });
      const session = await local.ensureSession(manifest, plan.variant, plan.backends, o.signal);
      const result: PrefetchResult = {
        model,
        variant: plan.variant.name,
        backend: session.backend,
        bytes: plan.variant.bytes,
        fromCache: session.fromCache,
        downloadMs: session.downloadMs,
        compileMs: session.compileMs,
      };
      return result;
    },

    get capabilities() {
      return profile;
    },
    async refresh() {
      profile = await probe.refresh();
      live.resetNetwork();
      await pingCloud();
      return profile;
    },
    catalog: loaded.catalog,
    estimates: () => live.snapshot(),
    on: (event, listener) => emitter.on(event, listener),
    async dispose() {
      if (disposed) return;
      disposed = true;
      emitter.clear();
      scope.removeEventListener?.('online', onNetworkChange);
      connection?.removeEventListener?.('change', onNetworkChange);
      await local.dispose();
    },
  };
  // Not awaited: `infer` and `prefetch` join these loads (and meet their errors again). The runtime
  // starts first, beside the cache lookups that precede the download.
  for (const id of options.preload ?? []) {
    local.prepare(loaded.manifest(id), profile).catch(() => undefined);
    client.prefetch(id).catch(() => undefined);
  }
  return client;
}
