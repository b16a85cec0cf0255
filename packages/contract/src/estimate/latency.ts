import { DATATYPE_INFO } from '../codec/datatype.js';
import type { ModelManifest } from '../schema/manifest.js';
import type { Throughput } from '../schema/pool.js';
import { type DimBinding, dimSize, evalTerms } from './cost-terms.js';

/**
 * The one latency and cost model that the SDK router and the broker scheduler share, so both sides
 * reason about a request with the same numbers. All pure; all inputs measured or assumed by callers.
 */

export interface WorkEstimate {
  flops: number;
  /** Bytes the run must touch at least once: weights plus peak activations. */
  bytes: number;
}

export function workOf(manifest: Pick<ModelManifest, 'cost'>, dims: DimBinding): WorkEstimate {
  return {
    flops: evalTerms(manifest.cost.flops, dims),
    bytes: manifest.cost.parameterBytes + evalTerms(manifest.cost.activationBytes, dims),
  };
}

/**
 * Compute time of one run on a target, in ms: its fixed overhead plus the slower of the compute and
 * memory bounds (a roofline). Non-decreasing in work, non-increasing in the target's speed.
 */
export function computeMs(target: Throughput, work: WorkEstimate): number {
  const computeBound = work.flops / (target.gflops * 1e6);
  const memoryBound = target.memoryGBps ? work.bytes / (target.memoryGBps * 1e6) : 0;
  return target.fixedOverheadMs + Math.max(computeBound, memoryBound);
}

export interface Link {
  rttMs: number;
  /** Throughput of the link, megabits per second (server to device where the two differ). */
  mbps: number;
  /** Throughput from the device to the server, when known apart (uplinks are often far slower). @default mbps */
  upMbps?: number;
}

/** Time to move `bytes` over a link, one round trip included, in ms. */
export function transferMs(bytes: number, link: Link): number {
  if (link.mbps <= 0) return Number.POSITIVE_INFINITY;
  return link.rttMs + (bytes * 8) / (link.mbps * 1e3);
}

/**
 * One request and its answer over a link, in ms: one round trip, the request at the uplink's
 * throughput and the answer at the downlink's.
 */
export function exchangeMs(requestBytes: number, responseBytes: number, link: Link): number {
  const up = link.upMbps ?? link.mbps;
  if (link.mbps <= 0 || up <= 0) return Number.POSITIVE_INFINITY;
  return link.rttMs + (requestBytes * 8) / (up * 1e3) + (responseBytes * 8) / (link.mbps * 1e3);
}

/** Dollar cost of occupying one of `concurrency` slots of hardware priced per hour for `busyMs`. */
export function costUsd(costPerHour: number, busyMs: number, concurrency = 1): number {
  return (costPerHour * busyMs) / 3.6e6 / Math.max(1, concurrency);
}

export interface CloudEstimateInput {
  link: Link;
  requestBytes: number;
  responseBytes: number;
  queueMs: number;
  computeMs: number;
}

/** End-to-end time of a cloud route: upload, queue, compute, download. */
export function cloudMs(e: CloudEstimateInput): number {
  return exchangeMs(e.requestBytes, e.responseBytes, e.link) + e.queueMs + e.computeMs;
}

export interface LocalEstimateInput {
  computeMs: number;
  /** Bytes still to download before the first run (0 once cached). */
  downloadBytes?: number;
  link?: Link;
  /** Session creation (compile) time, paid once per model. */
  compileMs?: number;
}

/** End-to-end time of a local route; the first run pays the download and the compile. */
export function localMs(e: LocalEstimateInput): number {
  const download = e.downloadBytes && e.downloadBytes > 0 ? (e.link ? transferMs(e.downloadBytes, e.link) : Number.POSITIVE_INFINITY) : 0;
  return download + (e.compileMs ?? 0) + e.computeMs;
}

/** Bytes of a request's tensors with the given datatype sizes (BYTES counts as given). */
export function tensorBytes(shape: readonly number[], bytesPerElement: number): number {
  return shape.reduce((n, d) => n * d, 1) * bytesPerElement;
}

/** Bytes a BYTES element is taken to hold when estimating, since its length is only known once it exists. */
export const BYTES_ELEMENT_ESTIMATE = 16;

/**
 * Expected bytes of a model's outputs for a request whose inputs bound `dims`: the download half of a
 * cloud exchange, as the SDK's router and the broker's scheduler both weigh it. Derived dims count
 * (`width_8`, see `dimSize`): an answer whose length follows the input, such as a CTC line's steps, is
 * weighed at its real size. A dim that cannot be sized counts as 1 (the catalog's build refuses them).
 */
export function responseBytes(manifest: Pick<ModelManifest, 'outputs'>, dims: DimBinding): number {
  let total = 0;
  for (const output of manifest.outputs) {
    let count = 1;
    for (const d of output.shape) count *= typeof d === 'number' ? d : dimSize(d, dims) || 1;
    total += count * (DATATYPE_INFO[output.datatype].bytes || BYTES_ELEMENT_ESTIMATE);
  }
  return total;
}

/** Exponentially weighted moving average, for learned service times and RTTs. */
export function ewma(previous: number | undefined, sample: number, alpha = 0.2): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}
