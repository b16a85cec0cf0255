import {
  type CutEncoding,
  type CutPoint,
  computeMs,
  type DeviceProfile,
  type DimBinding,
  evalTerms,
  exchangeMs,
  type Link,
  type ModelManifest,
  type RoutingThresholds,
  type Throughput,
  transferMs,
} from '@splitflow/contract/core';
import { compilePriorMs, localThroughput } from './device-throughput.js';
import { ms } from './latency-router.js';
import type { LiveEstimates } from './live-estimates.js';

/** The numbers behind one split candidate, in ms: head here, cut tensors up, tail in the pool, result down. */
export interface SplitEstimate {
  cut: string;
  encoding: CutEncoding;
  /** Catalog id of the tail model the pool runs. */
  tail: string;
  totalMs: number;
  headMs: number;
  /** Download and session creation of the head, paid once; 0 once warm. */
  headSetupMs: number;
  headSource: 'measured' | 'prior';
  uploadBytes: number;
  /** Round trip plus the cut tensors up (at the uplink) and the result down (measured for this tail when it has run). */
  networkMs: number;
  queueMs: number;
  tailMs: number;
  tailSource: 'measured' | 'prior';
  /** Share of the model's FLOPs the device does. */
  deviceShare: number;
  /** Why this cut is no candidate although its numbers are shown (its head does not fit in memory here). */
  blocked?: string;
}

/** What the client knows about running one cut's head here. */
export interface HeadPlan {
  backend: string;
  missingBytes: number;
  sessionWarm: boolean;
  /** Why the head cannot run here (memory), sized on its own: a head may fit where the whole model does not. */
  blocked?: string;
}

export interface SplitInput {
  manifest: Pick<ModelManifest, 'id' | 'cutPoints' | 'cost'>;
  /** Catalog ids that exist (tails the pool can be asked for). */
  hasModel: (id: string) => boolean;
  dims: DimBinding;
  responseBytes: number;
  device: DeviceProfile;
  link: Link;
  heads: (cut: CutPoint) => HeadPlan;
  live: LiveEstimates;
  cloudThroughput: Throughput;
  /** Encodings asked for by cut name (a cut whose asked encoding is not usable is no candidate). */
  encodings?: Record<string, CutEncoding>;
}

const WIRE_SHARE: Record<CutEncoding, number> = { fp32: 1, fp16: 0.5, uint8: 0.25 };

/** Key under which a head's local runs and compile times are learned. */
export const headKey = (model: string, cut: string) => `${model}/head:${cut}`;

/** The encoding a cut travels in: `want` when it is allowed and served, else the allowed one with the fewest bytes. */
export function wireEncoding(cut: CutPoint, hasModel: (id: string) => boolean, want?: CutEncoding): { encoding: CutEncoding; tail: string } | undefined {
  const usable = cut.encodings.filter((e) => e.allowed && e.tail !== undefined && hasModel(e.tail) && (want === undefined || e.encoding === want));
  usable.sort((a, b) => WIRE_SHARE[a.encoding] - WIRE_SHARE[b.encoding]);
  const best = usable[0];
  return best ? { encoding: best.encoding, tail: best.tail as string } : undefined;
}

/** Bytes of a cut's tensors in an encoding (a uint8 tensor also sends its scale and zero point). */
export function wireBytes(cut: CutPoint, encoding: CutEncoding, dims: DimBinding): number {
  return evalTerms(cut.activationBytes, dims) * WIRE_SHARE[encoding] + (encoding === 'uint8' ? 5 * cut.tensors.length : 0);
}

/**
 * One estimate per cut: the head at this device's speed (its measured runs once it has run, else the
 * probe's prior), the cut tensors over the link (this tail's measured network time once it has run),
 * the tail at the pool's reported queue and compute (measured for this tail, else scaled from the
 * whole model's answers by FLOPs, else the cloud prior), fastest first. A cut whose head cannot run
 * here keeps its row, marked `blocked`.
 */
export function splitCandidates(input: SplitInput): SplitEstimate[] {
  const out: SplitEstimate[] = [];
  const { live, dims } = input;
  const total = evalTerms(input.manifest.cost.flops, dims);
  for (const cut of input.manifest.cutPoints ?? []) {
    const wire = wireEncoding(cut, input.hasModel, input.encodings?.[cut.name]);
    if (!wire) continue;
    const head = input.heads(cut);
    const key = headKey(input.manifest.id, cut.name);
    const before = evalTerms(cut.flopsBefore, dims);
    const after = evalTerms(cut.flopsAfter, dims);
    const bytes = cut.activationBytes.length > 0 ? evalTerms(cut.activationBytes, dims) : 0;
    const measuredHead = live.localComputeMs(key, before);
    const headMs = measuredHead ?? computeMs(localThroughput(input.device, head.backend), { flops: before, bytes });
    const headSetupMs = head.sessionWarm
      ? 0
      : (head.missingBytes > 0 ? transferMs(head.missingBytes, input.link) : 0) + (live.compileMs(key) ?? compilePriorMs(head.missingBytes));
    const uploadBytes = wireBytes(cut, wire.encoding, dims);
    const networkMs = live.cloudNetworkMs(wire.tail) ?? exchangeMs(uploadBytes, input.responseBytes, input.link);
    const queueMs = live.cloudQueueMs(wire.tail) ?? live.cloudQueueMs(input.manifest.id) ?? 0;
    const measuredTail = live.cloudComputeMs(wire.tail, after) ?? live.cloudComputeMs(input.manifest.id, after);
    const tailMs = measuredTail ?? computeMs(input.cloudThroughput, { flops: after, bytes });
    out.push({
      cut: cut.name,
      encoding: wire.encoding,
      tail: wire.tail,
      totalMs: headSetupMs + headMs + networkMs + queueMs + tailMs,
      headMs,
      headSetupMs,
      headSource: measuredHead === undefined ? 'prior' : 'measured',
      uploadBytes,
      networkMs,
      queueMs,
      tailMs,
      tailSource: measuredTail === undefined ? 'prior' : 'measured',
      deviceShare: total > 0 ? before / total : 0,
      ...(head.blocked ? { blocked: head.blocked } : {}),
    });
  }
  return out.sort((a, b) => a.totalMs - b.totalMs);
}

/** Why no split may be considered for this request, or undefined when splits are allowed. */
export function splitBlock(
  thresholds: RoutingThresholds,
  manifest: Pick<ModelManifest, 'cutPoints'>,
  cloud: { configured: boolean; online: boolean | 'unknown' },
): string | undefined {
  if (thresholds.mode === 'local-only') return 'mode is local-only: nothing is sent';
  if (thresholds.mode === 'cloud-only') return 'mode is cloud-only: never split';
  if (thresholds.privacy === 'local-only') return 'privacy is local-only: the data never leaves the device';
  if (!manifest.cutPoints?.length) return 'the model has no cut points';
  if (!cloud.configured) return 'no cloud endpoint is configured';
  if (cloud.online === false) return 'the device is offline';
  return undefined;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KiB`;

/** One candidate as a person reads it. */
export function describeSplit(s: SplitEstimate): string {
  if (s.blocked) return `split@${s.cut} ruled out (${s.blocked})`;
  const setup = s.headSetupMs > 0 ? ` + setup ${ms(s.headSetupMs)}` : '';
  return `split@${s.cut} ${ms(s.totalMs)} (head ${ms(s.headMs)} ${s.headSource}${setup}, ${kb(s.uploadBytes)} ${s.encoding} up ${ms(s.networkMs)}, tail ${ms(s.queueMs + s.tailMs)} ${s.tailSource})`;
}
