import { SplitflowError } from '@splitflow/contract';
import type { WorkerParts } from '../build-worker.js';
import { aggregateMetrics } from '../metrics/worker-metrics.js';
import {
  type AnswerItem,
  type FrontEndMessage,
  type ModelView,
  type OwnerMessage,
  ownTensor,
  type PoolLoad,
  type SubmitItem,
  toWireError,
  wallClockMs,
} from './owner-protocol.js';

/** The owner's end of one front end's channel (a cluster worker). */
export interface FrontEndChannel {
  send(message: OwnerMessage): void;
  onMessage(handler: (message: FrontEndMessage) => void): void;
}

export interface FrontEndHub {
  /** Serves one more front end: its requests join the owner's batch queues. */
  attach(channel: FrontEndChannel): void;
  /** Forgets a front end that has gone (its metrics are no longer gathered). */
  detach(channel: FrontEndChannel): void;
}

/** Waiting this long for a front end's metrics, a scrape answers with those that came. */
const METRICS_WAIT_MS = 2000;

/** What front ends are told of the models: manifests, batching and state, never the sessions. */
export function modelViews(parts: WorkerParts): ModelView[] {
  return parts.state.registry.list().flatMap((m): ModelView[] => {
    if (m.state === 'ready') return [{ state: 'ready', manifest: m.manifest, layout: m.layout, batching: m.batching, tuning: m.tuning }];
    if (m.state === 'refused') return [{ state: 'refused', manifest: m.manifest, error: toWireError(m.error) }];
    return [];
  });
}

/**
 * The process that owns the sessions serving HTTP front ends: their decoded requests go into its
 * batch queues (so rows from every front end merge into one run), with the deadline they had left
 * minus the time on the channel, and the answers (or typed errors) go back in one message per
 * event-loop turn and front end. A scrape of any front end gathers every process's metrics here.
 */
export function createFrontEndHub(parts: WorkerParts): FrontEndHub {
  const { registry } = parts.state;
  const channels = new Set<FrontEndChannel>();
  let gatherNext = 0;
  const gathering = new Map<number, (json: unknown[]) => void>();

  const answer = (channel: FrontEndChannel) => {
    let outbox: AnswerItem[] = [];
    return (item: AnswerItem) => {
      if (outbox.length === 0) {
        setImmediate(() => {
          const items = outbox;
          outbox = [];
          if (channels.has(channel)) channel.send({ t: 'answers', items });
        });
      }
      outbox.push(item);
    };
  };

  // Every front end's load headers report the pool's load: sent when it changed, at most once a turn.
  let held = 0;
  let sentLoad = '';
  let loadScheduled = false;
  const loadChanged = () => {
    if (loadScheduled) return;
    loadScheduled = true;
    setImmediate(() => {
      loadScheduled = false;
      const load: PoolLoad = { depths: registry.depths(), totalDepth: registry.totalDepth(), inFlight: held };
      const key = JSON.stringify(load);
      if (key === sentLoad) return;
      sentLoad = key;
      for (const channel of channels) channel.send({ t: 'load', load });
    });
  };

  const serve = (item: SubmitItem, reply: (item: AnswerItem) => void) => {
    held++;
    loadChanged();
    const done = (answer: AnswerItem) => {
      held--;
      loadChanged();
      reply(answer);
    };
    const fail = (error: unknown) => done({ n: item.n, ok: false, error: toWireError(error) });
    const left = item.deadlineMs === undefined ? undefined : item.deadlineMs - (wallClockMs() - item.sentAt);
    if (left !== undefined && left <= 0) {
      fail(
        new SplitflowError('DEADLINE_UNMEETABLE', {
          message: `model "${item.model}": the request's deadline passed before it could be queued`,
          retryAfterS: 1,
        }),
      );
      return;
    }
    registry.acquire(item.model).then(
      (lease) =>
        lease.model.queue
          .submit(item.inputs, item.priority, left)
          .then((outcome) => done({ n: item.n, ok: true, outcome: { ...outcome, outputs: outcome.outputs.map(ownTensor) } }), fail)
          .finally(() => lease.release()),
      fail,
    );
  };

  const gatherMetrics = async (): Promise<string> => {
    const parts_ = [parts.state.metrics.registry.getMetricsAsJSON() as Promise<unknown[]>];
    for (const channel of channels) {
      const n = gatherNext++;
      parts_.push(
        new Promise<unknown[]>((resolve) => {
          const timer = setTimeout(() => {
            gathering.delete(n);
            resolve([]);
          }, METRICS_WAIT_MS);
          gathering.set(n, (json) => {
            clearTimeout(timer);
            resolve(json);
          });
          channel.send({ t: 'metrics-json', n });
        }),
      );
    }
    return aggregateMetrics(await Promise.all(parts_));
  };

  return {
    attach(channel) {
      channels.add(channel);
      const reply = answer(channel);
      channel.onMessage((message) => {
        if (message.t === 'hello') channel.send({ t: 'models', models: modelViews(parts) });
        else if (message.t === 'submit') for (const item of message.items) serve(item, reply);
        else if (message.t === 'metrics') {
          gatherMetrics().then(
            (text) => channel.send({ t: 'metrics', n: message.n, text }),
            (error: unknown) => channel.send({ t: 'metrics', n: message.n, error: (error as Error).message }),
          );
        } else if (message.t === 'metrics-json') {
          gathering.get(message.n)?.(message.json);
          gathering.delete(message.n);
        }
      });
    },
    detach(channel) {
      channels.delete(channel);
    },
  };
}
