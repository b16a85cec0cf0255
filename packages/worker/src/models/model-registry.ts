import type { ModelManifest } from '@splitflow/contract';
import { lookupServedModel, SplitflowError } from '@splitflow/contract';
import { type BatchLayout, batchLayoutOf } from '../batching/batch-layout.js';
import { type BatchQueue, type BatchStats, createBatchQueue } from '../batching/batch-queue.js';
import type { RunGate } from '../batching/run-gate.js';
import type { BatchingConfig } from '../config.js';
import type { ModelSession, SessionFactory, SessionTuning } from '../session/model-session.js';
import type { ModelSource } from './load-catalog.js';
import { readVerifiedFile } from './verify-model-file.js';

export type ReadyModel = {
  state: 'ready';
  manifest: ModelManifest;
  sessions: ModelSession[];
  queue: BatchQueue;
  layout: BatchLayout | undefined;
  batching: BatchingConfig;
  tuning: SessionTuning;
};

/**
 * A model of the catalog as this worker holds it: serving, known but not in memory (loaded on its
 * first request or by the repository extension's load), or refused with the reason.
 */
export type ServedModel = ReadyModel | { state: 'unloaded'; manifest: ModelManifest } | { state: 'refused'; manifest: ModelManifest; error: SplitflowError };

/** What the repository index says of a model besides its state: loading or unloading now. */
export type Transition = 'loading' | 'unloading' | undefined;

/** A ready model lent to one request: its runs may not be unloaded until `release`. */
export interface ModelLease {
  model: ReadyModel;
  /** Time this request waited for the model to load (0 when it was in memory), microseconds. */
  loadUs: number;
  release(): void;
}

export interface ModelRegistry {
  get(id: string): ServedModel | undefined;
  list(): readonly ServedModel[];
  /** Loading or unloading now, for the repository index. */
  transition(id: string): Transition;
  /** Ids of the models in memory, least recently used first. */
  loaded(): string[];
  /** Bytes the models in memory (and those loading) take, by their manifests. */
  usedBytes(): number;
  readonly budgetBytes: number;
  /**
   * The model for one request, loaded first if it is not in memory (evicting the least recently used
   * idle models to make room; a model with requests in flight is never evicted, so this may wait for
   * one to go idle). A refused model rejects with the reason.
   */
  acquire(id: string): Promise<ModelLease>;
  /** The repository extension's load: resolves once the model serves, rejects with why it cannot. */
  load(id: string): Promise<void>;
  /** The repository extension's unload: waits for the model's requests in flight, then frees its sessions. */
  unload(id: string): Promise<void>;
  /** Waiting requests per ready model. */
  depths(): Record<string, number>;
  totalDepth(): number;
  /** Drains every queue, then releases the sessions. */
  close(): Promise<void>;
}

export interface LoadModelsOptions {
  sources: readonly ModelSource[];
  factory: SessionFactory;
  batchingFor: (id: string) => BatchingConfig;
  /** Worker-wide slots for runs of batch-class requests (see RunGate); none: no priority between classes. */
  batchGate?: RunGate;
  /** Settings of a model's sessions that differ from the factory's. */
  tuningFor?: (manifest: ModelManifest) => SessionTuning;
  /** Sessions to open per model (each runs one request or merged batch at a time). @default 1 */
  sessionsPerModel?: (batching: BatchingConfig) => number;
  /** Bytes of memory one model's sessions take (weights per session plus one row's activations). */
  footprintOf: (manifest: ModelManifest, sessions: number) => number;
  /** Memory the models in memory may take together. @default Infinity */
  budgetBytes?: number;
  /** Open no model before the first request or load asks for it. @default false */
  onDemand?: boolean;
  onBatch: (model: string, stats: BatchStats) => void;
  /** A model was loaded or evicted (for metrics and logs). */
  onChange?: (model: string, event: 'loaded' | 'unloaded' | 'evicted', ms: number) => void;
  /**
   * Called when a session fails to open; returns the error to throw for the whole worker (the
   * provider cannot start) or undefined (the model alone is at fault and is refused).
   */
  diagnose: (model: Uint8Array, error: unknown) => Promise<SplitflowError | undefined>;
  log: (message: string, fields: Record<string, unknown>) => void;
}

interface Entry {
  readonly source: ModelSource;
  served: ServedModel;
  /** Requests that asked for the model and have not answered: it is not evicted while any are. */
  inFlight: number;
  /** Those of them that got the model: an unload waits for these, not for requests that came after it. */
  running: number;
  /** Order of last use (a counter, so ties cannot happen). */
  lastUsed: number;
  footprint: number;
  /** The load or unload under way; the next operation on the model waits for it. */
  pending: Promise<void> | undefined;
  transition: Transition;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(3)} GiB`;

/**
 * Verifies and opens models, within a memory budget. A model whose file fails its size or SHA-256
 * check, or whose session cannot open, is refused and the others serve; a provider that cannot start
 * is fatal. Without `onDemand` the models are opened in catalog order while they fit; the rest wait
 * for their first request.
 */
export async function loadModels(options: LoadModelsOptions): Promise<ModelRegistry> {
  const budget = options.budgetBytes ?? Number.POSITIVE_INFINITY;
  const entries = new Map<string, Entry>();
  let clock = 0;
  let used = 0;
  let closing = false;
  /** Woken when a lease ends or a model leaves memory: a load waiting for room looks again. */
  let roomWaiters: (() => void)[] = [];
  const wakeRoomWaiters = () => {
    const waiting = roomWaiters;
    roomWaiters = [];
    for (const wake of waiting) wake();
  };

  for (const source of options.sources) {
    const { manifest } = source;
    const sessions = options.tuningFor?.(manifest)?.onCallingThread ? 1 : (options.sessionsPerModel?.(options.batchingFor(manifest.id)) ?? 1);
    const footprint = options.footprintOf(manifest, sessions);
    const entry: Entry = {
      source,
      served: { state: 'unloaded', manifest },
      inFlight: 0,
      running: 0,
      lastUsed: 0,
      footprint,
      pending: undefined,
      transition: undefined,
    };
    if (footprint > budget) {
      const error = new SplitflowError('MODEL_LOAD_FAILED', {
        message: `model "${manifest.id}" needs ${gib(footprint)}, more than this worker's memory budget of ${gib(budget)}`,
        details: { model: manifest.id, neededBytes: footprint, budgetBytes: budget },
      });
      options.log('model refused', { model: manifest.id, code: error.code, reason: error.message });
      entry.served = { state: 'refused', manifest, error };
    }
    entries.set(manifest.id, entry);
  }

  /** Opens one model's sessions and queue, or says why it is refused; a fatal provider error throws. */
  async function open(entry: Entry): Promise<ServedModel> {
    const { source } = entry;
    const { manifest } = source;
    let bytes: Uint8Array;
    try {
      bytes = await readVerifiedFile(source.path, source.file, manifest.id);
    } catch (error) {
      const refusal = error instanceof SplitflowError ? error : new SplitflowError('MODEL_INTEGRITY', { message: String(error) });
      options.log('model refused', { model: manifest.id, code: refusal.code, reason: refusal.message });
      return { state: 'refused', manifest, error: refusal };
    }
    const batching = options.batchingFor(manifest.id);
    const tuning = options.tuningFor?.(manifest) ?? {};
    const sessions: ModelSession[] = [];
    try {
      for (let i = tuning.onCallingThread ? 1 : (options.sessionsPerModel?.(batching) ?? 1); i > 0; i--)
        sessions.push(await options.factory.create(bytes, tuning));
    } catch (error) {
      await Promise.all(sessions.map((s) => s.release()));
      const fatal = await options.diagnose(bytes, error);
      if (fatal) throw fatal;
      const refusal = new SplitflowError('MODEL_LOAD_FAILED', {
        message: `model "${manifest.id}": onnxruntime could not open it: ${(error as Error).message}`,
        details: { model: manifest.id },
        cause: error,
      });
      options.log('model refused', { model: manifest.id, code: refusal.code, reason: refusal.message });
      return { state: 'refused', manifest, error: refusal };
    }
    const session = sessions[0] as ModelSession;
    const missing = manifest.inputs.filter((i) => !session.inputNames.includes(i.name)).map((i) => i.name);
    const missingOut = manifest.outputs.filter((o) => !session.outputNames.includes(o.name)).map((o) => o.name);
    if (missing.length > 0 || missingOut.length > 0) {
      await Promise.all(sessions.map((s) => s.release()));
      return {
        state: 'refused',
        manifest,
        error: new SplitflowError('MODEL_LOAD_FAILED', {
          message: `model "${manifest.id}": the graph lacks tensors its manifest names: ${[...missing, ...missingOut].join(', ')}`,
          details: { model: manifest.id },
        }),
      };
    }
    const layout = batchLayoutOf(manifest);
    // The queue never runs more batches at once than there are instances, and there are as many
    // sessions as instances or one: a run takes a free session, or shares the only one.
    const free = [...sessions];
    const queue = createBatchQueue({
      model: manifest.id,
      layout,
      config: batching,
      async run(inputs) {
        const own = free.length > 1 ? (free.pop() as ModelSession) : undefined;
        try {
          return await (own ?? session).run(inputs);
        } finally {
          if (own) free.push(own);
        }
      },
      onBatch: (stats) => options.onBatch(manifest.id, stats),
      ...(options.batchGate ? { batchGate: options.batchGate } : {}),
    });
    return { state: 'ready', manifest, sessions, queue, layout, batching, tuning };
  }

  /** Frees a ready model once nothing holds it: its queue drains first, so nothing queued is lost. */
  async function release(entry: Entry, event: 'unloaded' | 'evicted'): Promise<void> {
    const served = entry.served;
    if (served.state !== 'ready') return;
    const started = performance.now();
    entry.transition = 'unloading';
    await served.queue.drain();
    await Promise.all(served.sessions.map((s) => s.release()));
    entry.served = { state: 'unloaded', manifest: served.manifest };
    entry.transition = undefined;
    used -= entry.footprint;
    options.onChange?.(served.manifest.id, event, performance.now() - started);
    wakeRoomWaiters();
  }

  /** The least recently used model in memory that nothing holds and nothing is doing to. */
  function evictable(): Entry | undefined {
    let oldest: Entry | undefined;
    for (const e of entries.values()) {
      if (e.served.state !== 'ready' || e.inFlight > 0 || e.pending !== undefined) continue;
      if (oldest === undefined || e.lastUsed < oldest.lastUsed) oldest = e;
    }
    return oldest;
  }

  /** Evicts idle models, least recently used first, until `bytes` more fit; waits while only busy ones are left. */
  async function makeRoom(bytes: number): Promise<void> {
    while (used + bytes > budget) {
      if (closing) throw new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 });
      const victim = evictable();
      if (victim) {
        const done = release(victim, 'evicted');
        victim.pending = done;
        await done.finally(() => {
          victim.pending = undefined;
        });
        continue;
      }
      await new Promise<void>((wake) => roomWaiters.push(wake));
    }
  }

  async function loadEntry(entry: Entry): Promise<void> {
    const started = performance.now();
    entry.transition = 'loading';
    try {
      await makeRoom(entry.footprint);
      // Counted before the sessions open, so two loads cannot both take the same room.
      used += entry.footprint;
      let served: ServedModel;
      try {
        served = await open(entry);
      } catch (error) {
        used -= entry.footprint;
        throw error;
      }
      entry.served = served;
      if (served.state !== 'ready') {
        used -= entry.footprint;
        wakeRoomWaiters();
        return;
      }
      options.onChange?.(served.manifest.id, 'loaded', performance.now() - started);
    } finally {
      entry.transition = undefined;
    }
  }

  /** Runs `op` after whatever is under way on the model, one at a time. */
  function serialize(entry: Entry, op: () => Promise<void>): Promise<void> {
    // Started at once when nothing is under way, so the index says LOADING from the moment it was asked.
    const run = entry.pending ? entry.pending.then(op, op) : op();
    const tracked = run.finally(() => {
      if (entry.pending === tracked) entry.pending = undefined;
    });
    entry.pending = tracked;
    return tracked;
  }

  function entryOf(id: string): Entry {
    return lookupServedModel(
      id,
      undefined,
      entries.get(id),
      (e) => e.served.manifest,
      () => entries.keys(),
    );
  }

  async function ensureLoaded(entry: Entry): Promise<ReadyModel> {
    for (;;) {
      if (closing && (entry.served.state !== 'ready' || entry.pending !== undefined))
        throw new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 });
      if (entry.pending === undefined && entry.served.state === 'ready') return entry.served;
      if (entry.served.state === 'refused') throw entry.served.error;
      if (entry.pending !== undefined) await entry.pending.catch(() => {});
      else await serialize(entry, () => (entry.served.state === 'unloaded' ? loadEntry(entry) : Promise.resolve()));
    }
  }

  try {
    if (!options.onDemand) {
      for (const entry of entries.values()) {
        if (entry.served.state === 'unloaded' && used + entry.footprint <= budget) await loadEntry(entry);
        entry.lastUsed = ++clock;
      }
    }
  } catch (error) {
    await Promise.all([...entries.values()].flatMap((e) => (e.served.state === 'ready' ? e.served.sessions.map((s) => s.release()) : [])));
    throw error;
  }

  const ready = () => [...entries.values()].flatMap((e) => (e.served.state === 'ready' ? [e.served] : []));
  return {
    budgetBytes: budget,
    get: (id) => entries.get(id)?.served,
    list: () => [...entries.values()].map((e) => e.served),
    transition: (id) => entries.get(id)?.transition,
    loaded: () =>
      [...entries.values()]
        .filter((e) => e.served.state === 'ready' && e.transition === undefined)
        .sort((a, b) => a.lastUsed - b.lastUsed)
        .map((e) => e.source.manifest.id),
    usedBytes: () => used,
    async acquire(id) {
      const entry = entryOf(id);
      // Held from before the load, so an eviction made for another model cannot take it back meanwhile.
      entry.inFlight++;
      entry.lastUsed = ++clock;
      let done = false;
      let running = false;
      const lease = () => {
        if (done) return;
        done = true;
        entry.inFlight--;
        if (running) entry.running--;
        if (entry.inFlight === 0 || entry.running === 0) wakeRoomWaiters();
      };
      const cold = entry.served.state !== 'ready' || entry.pending !== undefined;
      const started = performance.now();
      try {
        const model = await ensureLoaded(entry);
        running = true;
        entry.running++;
        return { model, loadUs: cold ? Math.round((performance.now() - started) * 1000) : 0, release: lease };
      } catch (error) {
        lease();
        throw error;
      }
    },
    async load(id) {
      const entry = entryOf(id);
      entry.lastUsed = ++clock;
      await ensureLoaded(entry);
    },
    async unload(id) {
      const entry = entryOf(id);
      await serialize(entry, async () => {
        // Requests in flight finish first: the unload waits for them to go, as Triton's does.
        while (entry.running > 0) await new Promise<void>((wake) => roomWaiters.push(wake));
        await release(entry, 'unloaded');
      });
    },
    depths: () => Object.fromEntries(ready().map((m) => [m.manifest.id, m.queue.depth])),
    totalDepth: () => ready().reduce((n, m) => n + m.queue.depth, 0),
    async close() {
      closing = true;
      wakeRoomWaiters();
      await Promise.all([...entries.values()].map((e) => e.pending?.catch(() => {})));
      await Promise.all(ready().map((m) => m.queue.drain()));
      await Promise.all(ready().flatMap((m) => m.sessions.map((s) => s.release())));
    },
  };
}
