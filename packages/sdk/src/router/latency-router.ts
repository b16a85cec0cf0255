import {
  type CloudEstimateInput,
  cloudMs,
  computeMs,
  type DeviceProfile,
  type DimBinding,
  exchangeMs,
  type Link,
  localMs,
  type ModelManifest,
  type RoutingThresholds,
  SplitflowError,
  type Throughput,
  transferMs,
  workOf,
} from '@splitflow/contract/core';
import type { CloudEstimate, LocalEstimate, RouteDecision, RouteEstimates, Where } from './decision.js';
import { compilePriorMs, localThroughput } from './device-throughput.js';
import type { LiveEstimates } from './live-estimates.js';

/** What the client knows about running one model locally, before the router weighs it. */
export interface LocalPlan {
  /** False when no runtime or variant on this device can run the model. */
  runnable: boolean;
  reason?: string;
  backend: string;
  /** Bytes of the chosen variant's files. */
  modelBytes: number;
  /** Bytes not yet in the cache (0 when all cached). */
  missingBytes: number;
  sessionWarm: boolean;
}

export interface RouteInput {
  manifest: Pick<ModelManifest, 'id' | 'cost'>;
  /** Thresholds in force for this request (catalog, policy and per-call options merged). */
  thresholds: RoutingThresholds;
  dims: DimBinding;
  requestBytes: number;
  responseBytes: number;
  device: DeviceProfile;
  local: LocalPlan;
  cloud: {
    configured: boolean;
    /**
     * Whether the endpoint serves this model (its model metadata answered), `undefined` while unknown.
     * `false` rules the cloud out: auto traffic never goes where it cannot be served.
     */
    serves?: boolean;
  };
}

/** The cloud's speed assumed before any answer reports compute time. */
export const CLOUD_PRIOR: Throughput = { gflops: 100, fixedOverheadMs: 1 };
/** The link assumed before the probe or any measurement says otherwise. */
export const DEFAULT_LINK: Link = { rttMs: 100, mbps: 10 };

export interface LatencyRouterOptions {
  estimates: LiveEstimates;
  /** Speed assumed for the cloud before any answer reports compute time. @default { gflops: 100, fixedOverheadMs: 1 } */
  cloudThroughput?: Throughput;
  /** Link assumed when the probe has no network information. @default { rttMs: 100, mbps: 10 } */
  defaultLink?: Link;
  /** Share of device memory a local model may use (weights plus activations). @default 0.25 */
  memoryShare?: number;
}

export interface LatencyRouter {
  /** Picks a route, or throws LOCAL_UNAVAILABLE / OFFLINE / INVALID_REQUEST when no route is allowed. */
  decide(input: RouteInput): RouteDecision;
}

/**
 * The link as this device knows it: measured throughput beats the Network Information hint (Chromium
 * caps `downlink` at 10 Mbps and headless reports about 1, which made a loopback cloud look seconds
 * away). The uplink is its own measurement (requests that went up); until one has, it is taken to
 * be the downlink, as the Network Information API gives no uplink figure.
 */
export function linkOf(device: DeviceProfile, live: LiveEstimates, defaultLink: Link): Link {
  const measuredUp = live.uplinkMbps();
  return {
    rttMs: live.rttMs() ?? (device.network.rttMs === 'unknown' ? defaultLink.rttMs : device.network.rttMs),
    // Browsers round downlink and report 0 for some links; never divide by a zero link.
    mbps: live.linkMbps() ?? (device.network.downlinkMbps === 'unknown' || device.network.downlinkMbps <= 0 ? defaultLink.mbps : device.network.downlinkMbps),
    ...(measuredUp !== undefined ? { upMbps: measuredUp } : {}),
  };
}

/** The link as the reasons state it, each figure with where it comes from. */
export function describeLink(device: DeviceProfile, live: LiveEstimates, defaultLink: Link): string {
  const link = linkOf(device, live, defaultLink);
  const rtt = live.rttMs() !== undefined ? 'measured' : device.network.rttMs === 'unknown' ? 'assumed' : 'probed';
  const down =
    live.linkMbps() !== undefined ? 'measured' : device.network.downlinkMbps === 'unknown' || device.network.downlinkMbps <= 0 ? 'assumed' : 'probed';
  const mbps = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
  const up = link.upMbps !== undefined ? `up ${mbps(link.upMbps)} Mbps measured` : 'up not measured yet (taken as down)';
  return `network: RTT ${link.rttMs.toFixed(0)} ms ${rtt}, down ${mbps(link.mbps)} Mbps ${down}, ${up}`;
}

/** A time as the reasons state it. */
export const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms` : 'never');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The SDK's router: local or cloud per request, the route with the smaller estimated latency within
 * what the policy allows (mode, privacy, size and speed limits, what the endpoint serves). Estimates
 * come from the manifest's cost profile, the device profile and live estimates, through the
 * contract's estimator (`computeMs`, `transferMs`, `localMs`, `cloudMs`), so the SDK and the broker
 * agree on the numbers.
 */
export function createLatencyRouter(options: LatencyRouterOptions): LatencyRouter {
  const live = options.estimates;
  const cloudThroughput = options.cloudThroughput ?? CLOUD_PRIOR;
  const defaultLink = options.defaultLink ?? DEFAULT_LINK;
  const memoryShare = options.memoryShare ?? 0.25;

  const deviceLink = (device: DeviceProfile): Link => linkOf(device, live, defaultLink);

  function estimateLocal(input: RouteInput): LocalEstimate {
    const work = workOf(input.manifest, input.dims);
    const measured = live.localComputeMs(input.manifest.id, work.flops);
    const compute = measured ?? computeMs(localThroughput(input.device, input.local.backend), work);
    const link = deviceLink(input.device);
    const downloadMs = input.local.missingBytes > 0 ? transferMs(input.local.missingBytes, link) : 0;
    const compileMs = input.local.sessionWarm ? 0 : (live.compileMs(input.manifest.id) ?? compilePriorMs(input.manifest.cost.parameterBytes));
    const totalMs = localMs({ computeMs: compute, downloadBytes: input.local.missingBytes, link, compileMs });
    return { totalMs, computeMs: compute, downloadMs, compileMs, source: measured === undefined ? 'prior' : 'measured', backend: input.local.backend };
  }

  function estimateCloud(input: RouteInput): CloudEstimate {
    const work = workOf(input.manifest, input.dims);
    const probed = deviceLink(input.device);
    const measuredRtt = live.rttMs();
    const link: Link = { ...probed, rttMs: measuredRtt ?? probed.rttMs };
    const measuredCompute = live.cloudComputeMs(input.manifest.id, work.flops);
    const measuredNetwork = live.cloudNetworkMs(input.manifest.id);
    const e: CloudEstimateInput = {
      link,
      requestBytes: input.requestBytes,
      responseBytes: input.responseBytes,
      queueMs: live.cloudQueueMs(input.manifest.id) ?? 0,
      computeMs: measuredCompute ?? computeMs(cloudThroughput, work),
    };
    // This model's own measured network time (same sizes, same link) beats the RTT + bytes model.
    const transfer = measuredNetwork ?? exchangeMs(e.requestBytes, e.responseBytes, link);
    return {
      totalMs: measuredNetwork === undefined ? cloudMs(e) : transfer + e.queueMs + e.computeMs,
      transferMs: transfer,
      rttMs: link.rttMs,
      queueMs: e.queueMs,
      computeMs: e.computeMs,
      source:
        measuredCompute === undefined &&
        measuredRtt === undefined &&
        measuredNetwork === undefined &&
        live.linkMbps() === undefined &&
        live.uplinkMbps() === undefined
          ? 'prior'
          : 'measured',
    };
  }

  /** `cloudOpen`: the speed floor is a preference for the cloud, so it applies only when the cloud can take the request. */
  function localBlock(input: RouteInput, cloudOpen: boolean): string | undefined {
    const t = input.thresholds;
    if (t.mode === 'cloud-only') return 'mode is cloud-only';
    if (!input.local.runnable) return input.local.reason ?? 'no local runtime can run this model';
    if (input.local.modelBytes > t.maxLocalModelBytes) return `model is ${mb(input.local.modelBytes)}, over the ${mb(t.maxLocalModelBytes)} local limit`;
    const memory = input.device.deviceMemoryGb;
    if (memory !== 'unknown') {
      const need = workOf(input.manifest, input.dims).bytes;
      const allowed = memory * 1024 ** 3 * memoryShare;
      if (need > allowed) return `model needs ${mb(need)}, over ${Math.round(memoryShare * 100)}% of the device's ${memory} GB`;
    }
    // The probe's speed class only stands in until this model's own runs are measured.
    const gflops = input.device.gflops;
    const measured = live.localComputeMs(input.manifest.id, 1) !== undefined;
    if (cloudOpen && t.mode === 'auto' && !measured && gflops !== 'unknown' && gflops < t.minDeviceGflops) {
      return `device probe measures ${gflops.toFixed(2)} GFLOPS, under minDeviceGflops (${t.minDeviceGflops}) for auto mode; lower it in the policy or catalog thresholds, or use mode prefer-local`;
    }
    return undefined;
  }

  function cloudBlock(input: RouteInput): string | undefined {
    if (input.thresholds.privacy === 'local-only') return 'privacy is local-only: the data never leaves the device';
    if (input.thresholds.privacy === 'no-raw-input') return 'privacy is no-raw-input: the raw input never leaves the device';
    if (input.thresholds.mode === 'local-only') return 'mode is local-only';
    if (!input.cloud.configured) return 'no cloud endpoint is configured';
    if (input.cloud.serves === false) return `the cloud endpoint does not serve "${input.manifest.id}"`;
    if (input.device.network.online === false) return 'the device is offline';
    return undefined;
  }

  return {
    decide(input) {
      const { mode, privacy, latencyBudgetMs: budgetMs } = input.thresholds;
      if (privacy === 'local-only' && mode === 'cloud-only') {
        throw new SplitflowError('INVALID_REQUEST', { message: 'privacy local-only and mode cloud-only rule out every route' });
      }
      const cloudBlocked = cloudBlock(input);
      const localBlocked = localBlock(input, cloudBlocked === undefined);
      const estimates: RouteEstimates = { budgetMs };
      if (input.local.runnable) estimates.local = estimateLocal(input);
      if (input.cloud.configured) estimates.cloud = estimateCloud(input);
      const base = { mode, privacy, estimates, localBlocked, cloudBlocked };

      if (localBlocked !== undefined && cloudBlocked !== undefined) {
        const offline = input.device.network.online === false && input.cloud.configured && privacy !== 'local-only' && mode !== 'local-only';
        const unserved = mode === 'cloud-only' && input.cloud.serves === false && privacy !== 'local-only';
        throw new SplitflowError(offline ? 'OFFLINE' : unserved ? 'MODEL_NOT_FOUND' : 'LOCAL_UNAVAILABLE', {
          message: `model "${input.manifest.id}" has no route: local: ${localBlocked}; cloud: ${cloudBlocked}`,
          details: { model: input.manifest.id, localBlocked, cloudBlocked },
        });
      }
      if (cloudBlocked !== undefined) return { ...base, where: 'local', reason: `local: ${cloudBlocked}` };
      if (localBlocked !== undefined) return { ...base, where: 'cloud', reason: `cloud: local is ruled out (${localBlocked})` };

      const local = estimates.local as LocalEstimate;
      const cloud = estimates.cloud as CloudEstimate;
      const pick = (where: Where, reason: string): RouteDecision => ({ ...base, where, reason, fallback: where === 'local' ? 'cloud' : 'local' });
      const numbers = `local ${ms(local.totalMs)} (${local.source}) vs cloud ${ms(cloud.totalMs)} (${cloud.source}), budget ${ms(budgetMs)}; ${describeLink(input.device, live, defaultLink)}`;
      if (mode === 'prefer-local') {
        if (local.totalMs > budgetMs && cloud.totalMs <= budgetMs) return pick('cloud', `prefer-local, but only cloud meets the budget: ${numbers}`);
        return pick('local', `prefer-local: ${numbers}`);
      }
      if (mode === 'prefer-cloud') {
        if (cloud.totalMs > budgetMs && local.totalMs <= budgetMs) return pick('local', `prefer-cloud, but only local meets the budget: ${numbers}`);
        return pick('cloud', `prefer-cloud: ${numbers}`);
      }
      // auto: the faster estimate; a tie goes local (no data leaves the device, no cloud cost).
      if (local.totalMs <= cloud.totalMs) return pick('local', `auto: local is faster: ${numbers}`);
      return pick('cloud', `auto: cloud is faster: ${numbers}`);
    },
  };
}
