import type { ModelManifest } from '@splitflow/contract';
import { SplitflowError } from '@splitflow/contract';
import { type BatchLayout, batchLayoutOf } from '../batching/batch-layout.js';
import { type BatchQueue, type BatchStats, createBatchQueue } from '../batching/batch-queue.js';
import type { RunGate } from '../batching/run-gate.js';
import type { BatchingConfig } from '../config.js';
import type { ModelSession, SessionFactory, SessionTuning } from '../session/model-session.js';
import type { ModelSource } from './load-catalog.js';
import { readVerifiedFile } from './verify-model-file.js';

/** A model of the catalog as this worker holds it: serving, or refused with the reason. */
export type ServedModel =
  | {
      state: 'ready';
      manifest: ModelManifest;
      sessions: ModelSession[];
      queue: BatchQueue;
      layout: BatchLayout | undefined;
      batching: BatchingConfig;
      tuning: SessionTuning;
    }
  | { state: 'refused'; manifest: ModelManifest; error: SplitflowError };

export interface ModelRegistry {
  get(id: string): ServedModel | undefined;
  list(): readonly ServedModel[];
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
  onBatch: (model: string, stats: BatchStats) => void;
  /**
   * Called when a session fails to open; returns the error to throw for the whole worker (the
   * provider cannot start) or undefined (the model alone is at fault and is refused).
   */
  diagnose: (model: Uint8Array, error: unknown) => Promise<SplitflowError | undefined>;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Verifies and opens every model. A model whose file fails its size or SHA-256 check, or whose
 * session cannot open, is refused and the others serve; a provider that cannot start is fatal.
 */
export async function loadModels(options: LoadModelsOptions): Promise<ModelRegistry> {
  const models = new Map<string, ServedModel>();
  try {
    for (const source of options.sources) {
      const { manifest } = source;
      let bytes: Uint8Array;
      try {
        bytes = await readVerifiedFile(source.path, source.file, manifest.id);
      } catch (error) {
        const refusal = error instanceof SplitflowError ? error : new SplitflowError('MODEL_INTEGRITY', { message: String(error) });
        options.log('model refused', { model: manifest.id, code: refusal.code, reason: refusal.message });
        models.set(manifest.id, { state: 'refused', manifest, error: refusal });
        continue;
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
        models.set(manifest.id, { state: 'refused', manifest, error: refusal });
        continue;
      }
      const session = sessions[0] as ModelSession;
      const missing = manifest.inputs.filter((i) => !session.inputNames.includes(i.name)).map((i) => i.name);
      const missingOut = manifest.outputs.filter((o) => !session.outputNames.includes(o.name)).map((o) => o.name);
      if (missing.length > 0 || missingOut.length > 0) {
        await Promise.all(sessions.map((s) => s.release()));
        const refusal = new SplitflowError('MODEL_LOAD_FAILED', {
          message: `model "${manifest.id}": the graph lacks tensors its manifest names: ${[...missing, ...missingOut].join(', ')}`,
          details: { model: manifest.id },
        });
        models.set(manifest.id, { state: 'refused', manifest, error: refusal });
        continue;
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
      models.set(manifest.id, { state: 'ready', manifest, sessions, queue, layout, batching, tuning });
    }
  } catch (error) {
    await Promise.all([...models.values()].flatMap((m) => (m.state === 'ready' ? m.sessions.map((s) => s.release()) : [])));
    throw error;
  }

  const ready = () => [...models.values()].filter((m): m is Extract<ServedModel, { state: 'ready' }> => m.state === 'ready');
  return {
    get: (id) => models.get(id),
    list: () => [...models.values()],
    depths: () => Object.fromEntries(ready().map((m) => [m.manifest.id, m.queue.depth])),
    totalDepth: () => ready().reduce((n, m) => n + m.queue.depth, 0),
    async close() {
      await Promise.all(ready().map((m) => m.queue.drain()));
      await Promise.all(ready().flatMap((m) => m.sessions.map((s) => s.release())));
    },
  };
}
