import { type NamedTensor, SplitflowError } from '@splitflow/contract';
import type { BatchOutcome, BatchQueue, RunPriority } from '../batching/batch-queue.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { ModelLease, ModelRegistry, ReadyModel, ServedModel } from '../models/model-registry.js';
import {
  type AnswerItem,
  type FrontEndMessage,
  fromWireError,
  type ModelView,
  type OwnerMessage,
  ownTensor,
  type PoolLoad,
  type SubmitItem,
  wallClockMs,
} from './owner-protocol.js';

/** The front end's end of its channel to the owning process (a cluster worker's `process`). */
export interface OwnerChannel {
  send(message: FrontEndMessage): void;
  onMessage(handler: (message: OwnerMessage) => void): void;
}

/** A front end's link to the owner: its models, their queues, and the pool's metrics. */
export interface OwnerLink {
  registry: ModelRegistry;
  /** Requests the owner holds from the other front ends (this one's own are in its in-flight count). */
  othersInFlight(): number;
  /** This front end's own metrics, which the owner gathers when any front end is scraped. */
  useMetrics(metrics: WorkerMetrics): void;
  /** Prometheus text for the whole pool: the owner gathers every process's registry. */
  renderMetrics(): Promise<string>;
}

/**
 * The owner's models as a registry whose queues are the owner's: a request decoded here is batched
 * there with every other front end's. Requests sent in one event-loop turn travel in one message.
 * Loading and unloading stay with the owner, which loads every model at startup.
 */
export function createOwnerLink(channel: OwnerChannel, views: readonly ModelView[]): OwnerLink {
  let next = 0;
  let outbox: SubmitItem[] = [];
  const waiting = new Map<number, { model: string; resolve: (outcome: BatchOutcome) => void; reject: (error: unknown) => void }>();
  let load: PoolLoad = { depths: {}, totalDepth: 0, inFlight: 0 };
  const perModel = new Map<string, number>();
  let idleWaiters: (() => void)[] = [];
  let ownMetrics: WorkerMetrics | undefined;
  const metricsWaiting = new Map<number, { resolve: (text: string) => void; reject: (error: unknown) => void }>();

  const flush = () => {
    const items = outbox;
    outbox = [];
    if (items.length > 0) channel.send({ t: 'submit', items });
  };
  const settle = (item: AnswerItem) => {
    const entry = waiting.get(item.n);
    if (!entry) return;
    waiting.delete(item.n);
    perModel.set(entry.model, (perModel.get(entry.model) ?? 1) - 1);
    if (item.ok) entry.resolve(item.outcome);
    else entry.reject(fromWireError(item.error));
    if (waiting.size === 0) {
      const wake = idleWaiters;
      idleWaiters = [];
      for (const w of wake) w();
    }
  };
  channel.onMessage((message) => {
    if (message.t === 'answers') for (const item of message.items) settle(item);
    else if (message.t === 'load') load = message.load;
    else if (message.t === 'metrics') {
      const waiter = metricsWaiting.get(message.n);
      metricsWaiting.delete(message.n);
      if (message.text !== undefined) waiter?.resolve(message.text);
      else waiter?.reject(new SplitflowError('INTERNAL', { message: `the pool's metrics could not be gathered: ${message.error}` }));
    } else if (message.t === 'metrics-json') {
      const json = ownMetrics ? ownMetrics.registry.getMetricsAsJSON() : Promise.resolve([]);
      json.then((metrics) => channel.send({ t: 'metrics-json', n: message.n, json: metrics }));
    }
  });
  let closing = false;

  const submit = (model: string, inputs: NamedTensor[], priority: RunPriority = 'interactive', deadlineMs?: number): Promise<BatchOutcome> => {
    if (closing) return Promise.reject(new SplitflowError('SHUTTING_DOWN', { message: 'the worker is shutting down', retryAfterS: 1 }));
    const n = next++;
    const promise = new Promise<BatchOutcome>((resolve, reject) => waiting.set(n, { model, resolve, reject }));
    perModel.set(model, (perModel.get(model) ?? 0) + 1);
    if (outbox.length === 0) setImmediate(flush);
    outbox.push({ n, model, inputs: inputs.map(ownTensor), priority, deadlineMs, sentAt: wallClockMs() });
    return promise;
  };
  const idle = () => (waiting.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));

  const served = new Map<string, ServedModel>();
  for (const view of views) {
    if (view.state === 'refused') {
      served.set(view.manifest.id, { state: 'refused', manifest: view.manifest, error: fromWireError(view.error) });
      continue;
    }
    const id = view.manifest.id;
    const queue: BatchQueue = {
      submit: (inputs, priority, deadlineMs) => submit(id, inputs, priority, deadlineMs),
      get depth() {
        return load.depths[id] ?? 0;
      },
      // Runs happen in the owner; this queue only knows its own requests in flight there.
      get running() {
        return Math.min(1, perModel.get(id) ?? 0);
      },
      drain: idle,
    };
    const ready: ReadyModel = {
      state: 'ready',
      manifest: view.manifest,
      sessions: [],
      queue,
      layout: view.layout,
      batching: view.batching,
      tuning: view.tuning,
    };
    served.set(id, ready);
  }
  const notHere = (what: string) =>
    new SplitflowError('INVALID_REQUEST', {
      message: `${what} is not available on a worker with HTTP front ends: the owning process loads every model at startup`,
    });

  const registry: ModelRegistry = {
    get: (id) => served.get(id),
    list: () => [...served.values()],
    transition: () => undefined,
    loaded: () => [...served.values()].filter((m) => m.state === 'ready').map((m) => m.manifest.id),
    usedBytes: () => 0,
    budgetBytes: Number.POSITIVE_INFINITY,
    async acquire(id): Promise<ModelLease> {
      const model = served.get(id);
      if (!model) throw new SplitflowError('MODEL_NOT_FOUND', { message: `no model "${id}" is served here`, details: { model: id } });
      if (model.state === 'refused') throw model.error;
      if (model.state !== 'ready') throw notHere('loading a model');
      return { model, loadUs: 0, release() {} };
    },
    async load(id) {
      await registry.acquire(id);
    },
    async unload() {
      throw notHere('unloading a model');
    },
    // The owner reports the queue-depth gauge; a front end's would count the same requests again.
    depths: () => ({}),
    totalDepth: () => load.totalDepth,
    async close() {
      closing = true;
      await idle();
    },
  };

  let metricsNext = 0;
  return {
    registry,
    othersInFlight: () => Math.max(0, load.inFlight - waiting.size),
    useMetrics(metrics) {
      ownMetrics = metrics;
    },
    renderMetrics() {
      const n = metricsNext++;
      return new Promise((resolve, reject) => {
        metricsWaiting.set(n, { resolve, reject });
        channel.send({ t: 'metrics', n });
      });
    },
  };
}
