import { type ModelManifest, type NamedTensor, SplitflowError } from '@splitflow/contract/core';
import type { CloudClient } from '../cloud/cloud-client.js';
import type { LiveEstimates } from '../router/live-estimates.js';
import { observeCloud } from './cloud-observation.js';
import type { ClientOptions, InferOptions, Route, RouteTimings } from './types.js';

export interface CloudOutcome {
  outputs: NamedTensor[];
  route: Pick<Route, 'pool' | 'hardware' | 'endpoint' | 'costUsd'>;
  timings: Partial<RouteTimings>;
}

/** The cloud's route: one request through the cloud client, its parts timed and learned. */
export function createCloudRoute(cloud: CloudClient | undefined, live: LiveEstimates, options: Pick<ClientOptions, 'priority'>) {
  return async function runCloud(manifest: ModelManifest, flops: number, tensors: NamedTensor[], budgetMs: number, o: InferOptions): Promise<CloudOutcome> {
    if (!cloud) throw new SplitflowError('NO_CAPACITY', { message: 'no cloud endpoint is configured' });
    const reply = await cloud.infer(manifest.id, tensors, {
      budgetMs,
      priority: o.priority ?? options.priority ?? 'interactive',
      signal: o.signal,
      // A tail's inputs are a cut's tensors: as JSON text they would be several times the bytes the router weighed.
      ...(manifest.tailOf ? { binary: true as const } : {}),
    });
    const queueMs = (reply.info.queueUs ?? 0) / 1000;
    const computeMs = (reply.info.computeUs ?? 0) / 1000;
    const seen = observeCloud({ ...reply, queueMs, computeMs }, live.rttMs());
    const networkMs = seen.networkMs;
    live.recordCloud(manifest.id, flops, { networkMs, queueMs, computeMs });
    if (seen.upload) live.recordUpload(seen.upload.bytes, seen.upload.ms);
    if (seen.download) live.recordTransfer(seen.download.bytes, seen.download.ms);
    const route: CloudOutcome['route'] = { endpoint: reply.info.endpoint ?? cloud.url };
    if (reply.info.pool) route.pool = reply.info.pool;
    if (reply.info.hardware) route.hardware = reply.info.hardware;
    if (reply.info.costUsd !== undefined) route.costUsd = reply.info.costUsd;
    return { outputs: reply.outputs, route, timings: { queueMs, computeMs, networkMs, attempts: reply.attempts } };
  };
}
