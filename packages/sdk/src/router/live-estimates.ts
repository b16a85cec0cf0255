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
 * All are EWMAs (the contract's `ewma`) so a slow outlier moves them but does not own them.
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
  /** Weight of the newest sample. @default 0.3 */
  alpha?: number;
}

// Transfers shorter than this say more about latency than throughput.
const MIN_TRANSFER_BYTES = 64 * 1024;

// Scale a measured time by the work ratio. Time is overhead plus work; scaling both overstates small
// requests after a large one was measured (safe: it errs toward the other route), and the next run of
// the same size corrects it.
const scale = (sample: Sample, flops: number) => (sample.flops > 0 ? sample.ms * (flops / sample.flops) : sample.ms);

export function createLiveEstimates(options: LiveEstimatesOptions = {}): LiveEstimates {
  const alpha = options.alpha ?? 0.3;
  const local = new Map<string, Sample>();
  const compile = new Map<string, number>();
  const firstRun = new Map<string, number>();
  const cloud = new Map<string, Sample & { queueMs: number; networkMs?: number }>();
  let rtt: number | undefined;
  let mbps: number | undefined;
  let upMbps: number | undefined;

  const update = (previous: Sample | undefined, flops: number, ms: number): Sample => {
    // Bring the previous sample to the new size before averaging, so mixed sizes average in time per flop.
    const prior = previous ? scale(previous, flops) : undefined;
    return { ms: ewma(prior, ms, alpha), flops };
  };

  return {
    recordLocal(model, flops, computeMs) {
      local.set(model, update(local.get(model), flops, computeMs));
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
      const next = update(previous, flops, observed.computeMs);
      cloud.set(model, {
        ...next,
        queueMs: ewma(previous?.queueMs, observed.queueMs, alpha),
        networkMs: ewma(previous?.networkMs, observed.networkMs, alpha),
      });
    },
    recordRtt(rttMs) {
      rtt = ewma(rtt, rttMs, alpha);
    },
    resetNetwork() {
      rtt = undefined;
      mbps = undefined;
      upMbps = undefined;
      for (const [model, sample] of cloud) cloud.set(model, { ms: sample.ms, flops: sample.flops, queueMs: sample.queueMs });
    },
    localComputeMs(model, flops) {
      const sample = local.get(model);
      return sample ? scale(sample, flops) : undefined;
    },
    compileMs: (model) => compile.get(model),
    firstRunMs: (model) => firstRun.get(model),
    linkMbps: () => mbps,
    uplinkMbps: () => upMbps,
    cloudComputeMs(model, flops) {
      const sample = cloud.get(model);
      return sample ? scale(sample, flops) : undefined;
    },
    cloudQueueMs: (model) => cloud.get(model)?.queueMs,
    cloudNetworkMs: (model) => cloud.get(model)?.networkMs,
    rttMs: () => rtt,
    snapshot() {
      const localOut: LiveEstimatesSnapshot['local'] = {};
      for (const k of new Set([...local.keys(), ...compile.keys(), ...firstRun.keys()])) {
        localOut[k] = { ...local.get(k), compileMs: compile.get(k), firstRunMs: firstRun.get(k) };
      }
      return { local: localOut, cloud: Object.fromEntries(cloud), cloudRttMs: rtt, linkMbps: mbps, uplinkMbps: upMbps };
    },
  };
}
