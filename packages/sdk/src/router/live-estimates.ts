import { ewma } from '@splitflow/contract/core';

/** A learned time at a known amount of work, so it can be scaled to requests of other sizes. */
interface Sample {
  ms: number;
  flops: number;
}

export interface CloudObservation {
  /** Wall time of the call less the server's queue and compute: round trip plus transfer. */
  networkMs: number;
  queueMs: number;
  computeMs: number;
}

export interface LiveEstimatesSnapshot {
  /** Per model: steady runs (`ms` at `flops`), session creation and the first run after it. */
  local: Record<string, Partial<Sample> & { compileMs?: number; firstRunMs?: number }>;
  cloud: Record<string, Sample & { queueMs: number; networkMs?: number }>;
  cloudRttMs?: number;
  /** Measured throughput of this device's downloads (model files, cloud answers), in Mbps. */
  linkMbps?: number;
  /** Measured throughput of this device's uploads (cloud requests), in Mbps. */
  uplinkMbps?: number;
}

/**
 * Live estimates the router reads: this device's measured local latency per model (steady runs only),
 * compile and first-run time per model, the cloud's round trip (pings), the link's throughput and,
 * per model, the network time, queue and compute time its answers reported.
 * A route's own times (local compute, cloud compute, queue, network) are the median of its last few
 * runs: on a busy device one run can take three times another, and a median is moved by no single
 * one, slow or fast, where a mean follows whichever came last (`median` says how an even count is read). The link's throughput, the round trip,
 * compile and first-run times are EWMAs (the contract's `ewma`).
 */
export interface LiveEstimates {
  /** A steady run: a session's runs after its first. */
  recordLocal(model: string, flops: number, computeMs: number): void;
  recordCompile(model: string, compileMs: number): void;
  /**
   * A session's first run. Kept apart from steady runs: it pays one-time work (kernel set-up, memory
   * planning, JIT of the runtime's own code) that would make local look slow for many runs after.
   */
  recordFirstRun(model: string, computeMs: number): void;
  /** Bytes that came down in `ms` (a model file, a cloud answer's body). */
  recordTransfer(bytes: number, ms: number): void;
  /** Bytes that went up in `ms` (a cloud request: time to the answer's headers less the round trip and the server's time). */
  recordUpload(bytes: number, ms: number): void;
  recordCloud(model: string, flops: number, observed: CloudObservation): void;
  recordRtt(rttMs: number): void;
  /**
   * Forgets what describes the link (RTT, per-model network time) but keeps compute and queue
   * times: called when the network changes, so a route is not judged on the old link's numbers.
   */
  resetNetwork(): void;
  /** Measured local compute for `flops` of work, scaled from the last runs of the same model. */
  localComputeMs(model: string, flops: number): number | undefined;
  compileMs(model: string): number | undefined;
  firstRunMs(model: string): number | undefined;
  /** Measured throughput of the link's downlink, in Mbps. */
  linkMbps(): number | undefined;
  /** Measured throughput of the link's uplink, in Mbps; undefined until a large enough request went up. */
  uplinkMbps(): number | undefined;
  cloudComputeMs(model: string, flops: number): number | undefined;
  cloudQueueMs(model: string): number | undefined;
  /** Measured network time (round trip and transfer) of this model's cloud calls. */
  cloudNetworkMs(model: string): number | undefined;
  rttMs(): number | undefined;
  snapshot(): LiveEstimatesSnapshot;
}

export interface LiveEstimatesOptions {
  /** Weight of the newest sample in the EWMAs (throughput, round trip, compile and first run). @default 0.3 */
  alpha?: number;
  /** Runs per route whose median is its time. @default 5 */
  window?: number;
}

// Transfers shorter than this say more about latency than throughput.
const MIN_TRANSFER_BYTES = 64 * 1024;

// Scale a measured time by the work ratio. Time is overhead plus work; scaling both overstates small
// requests after a large one was measured (safe: it errs toward the other route), and the next run of
// the same size corrects it.
const scale = (sample: Sample, flops: number) => (sample.flops > 0 ? sample.ms * (flops / sample.flops) : sample.ms);

/**
 * Median of a few numbers, the lower of the middle two for an even count; undefined for none. A busy
 * device's noise only ever slows a run (a stall, a core taken), so of two runs the faster one is the
 * better guess of the next: the mean of the two would let one stall move the estimate by half of it.
 */
export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

interface CloudRuns {
  runs: Sample[];
  queue: number[];
  network: number[];
}

export function createLiveEstimates(options: LiveEstimatesOptions = {}): LiveEstimates {
  const alpha = options.alpha ?? 0.3;
  const window = options.window ?? 5;
  const local = new Map<string, Sample[]>();
  const compile = new Map<string, number>();
  const firstRun = new Map<string, number>();
  const cloud = new Map<string, CloudRuns>();
  let rtt: number | undefined;
  let mbps: number | undefined;
  let upMbps: number | undefined;

  const keep = <T>(list: readonly T[] | undefined, value: T): T[] => [...(list ?? []), value].slice(-window);
  // Each run is brought to the asked size before the median, so runs of mixed sizes compare in time per flop.
  const timeAt = (runs: readonly Sample[] | undefined, flops: number) => median((runs ?? []).map((r) => scale(r, flops)));
  const latest = (runs: readonly Sample[] | undefined) => {
    const last = runs?.at(-1);
    return last ? { ms: timeAt(runs, last.flops) as number, flops: last.flops } : undefined;
  };

  return {
    recordLocal(model, flops, computeMs) {
      local.set(model, keep(local.get(model), { ms: computeMs, flops }));
    },
    recordCompile(model, compileMs) {
      compile.set(model, ewma(compile.get(model), compileMs, alpha));
    },
    recordFirstRun(model, computeMs) {
      firstRun.set(model, ewma(firstRun.get(model), computeMs, alpha));
    },
    recordTransfer(bytes, ms) {
      if (!(bytes >= MIN_TRANSFER_BYTES) || !(ms > 0)) return;
      mbps = ewma(mbps, (bytes * 8) / (ms * 1000), alpha);
    },
    recordUpload(bytes, ms) {
      if (!(bytes >= MIN_TRANSFER_BYTES) || !(ms > 0)) return;
      upMbps = ewma(upMbps, (bytes * 8) / (ms * 1000), alpha);
    },
    recordCloud(model, flops, observed) {
      const previous = cloud.get(model);
      cloud.set(model, {
        runs: keep(previous?.runs, { ms: observed.computeMs, flops }),
        queue: keep(previous?.queue, observed.queueMs),
        network: keep(previous?.network, observed.networkMs),
      });
    },
    recordRtt(rttMs) {
      rtt = ewma(rtt, rttMs, alpha);
    },
    resetNetwork() {
      rtt = undefined;
      mbps = undefined;
      upMbps = undefined;
      for (const runs of cloud.values()) runs.network = [];
    },
    localComputeMs: (model, flops) => timeAt(local.get(model), flops),
    compileMs: (model) => compile.get(model),
    firstRunMs: (model) => firstRun.get(model),
    linkMbps: () => mbps,
    uplinkMbps: () => upMbps,
    cloudComputeMs: (model, flops) => timeAt(cloud.get(model)?.runs, flops),
    cloudQueueMs: (model) => median(cloud.get(model)?.queue ?? []),
    cloudNetworkMs: (model) => median(cloud.get(model)?.network ?? []),
    rttMs: () => rtt,
    snapshot() {
      const localOut: LiveEstimatesSnapshot['local'] = {};
      for (const k of new Set([...local.keys(), ...compile.keys(), ...firstRun.keys()])) {
        localOut[k] = { ...latest(local.get(k)), compileMs: compile.get(k), firstRunMs: firstRun.get(k) };
      }
      const cloudOut: LiveEstimatesSnapshot['cloud'] = {};
      for (const [k, c] of cloud) {
        const networkMs = median(c.network);
        cloudOut[k] = { ...(latest(c.runs) as Sample), queueMs: median(c.queue) as number, ...(networkMs === undefined ? {} : { networkMs }) };
      }
      return { local: localOut, cloud: cloudOut, cloudRttMs: rtt, linkMbps: mbps, uplinkMbps: upMbps };
    },
  };
}
