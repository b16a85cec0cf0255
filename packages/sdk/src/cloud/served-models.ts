import { within } from '../timing/within.js';
import type { CloudClient } from './cloud-client.js';

/** What the client knows of which models the cloud endpoint serves. */
export interface ServedModels {
  /**
   * Asks the endpoint about `models` in the background, two at a time, once `after` settles (the
   * client's first round trip, which they must not delay); answers are kept, failures are asked
   * again later. A model asked about with `serves` meanwhile is looked up at once.
   */
  learn(models: readonly string[], after?: Promise<unknown>): void;
  /**
   * Whether the endpoint serves `model`: waits for the answer at most `waitMs`, then `undefined`
   * (unknown) if none came. A failed lookup is `undefined` too, and the next call asks again.
   */
  serves(model: string, waitMs: number): Promise<boolean | undefined>;
  /** Known answers so far, by model. */
  known(): Record<string, boolean>;
}

/**
 * Learns from the endpoint's model metadata which models it serves, so the router never sends a
 * request where it cannot be answered. One lookup per model, shared by concurrent callers.
 */
export function createServedModels(cloud: CloudClient): ServedModels {
  const answers = new Map<string, boolean>();
  const pending = new Map<string, Promise<boolean | undefined>>();

  const ask = (model: string): Promise<boolean | undefined> => {
    const known = answers.get(model);
    if (known !== undefined) return Promise.resolve(known);
    let lookup = pending.get(model);
    if (!lookup) {
      // Settled lookups leave `pending`: an answer is kept in `answers`, a failure is asked again.
      lookup = cloud
        .serves(model)
        .then(
          (served) => {
            answers.set(model, served);
            return served;
          },
          () => undefined,
        )
        .finally(() => pending.delete(model));
      pending.set(model, lookup);
    }
    return lookup;
  };

  return {
    learn(models, after) {
      const queue = [...models];
      const next = async () => {
        for (let model = queue.shift(); model !== undefined; model = queue.shift()) await ask(model);
      };
      // Two lanes: a browser opens about 6 connections per host, and requests that matter need most of them.
      const start = () => {
        void next();
        void next();
      };
      Promise.resolve(after).then(start, start);
    },
    async serves(model, waitMs) {
      if (!answers.has(model)) await within(ask(model), waitMs);
      return answers.get(model);
    },
    known: () => Object.fromEntries(answers),
  };
}
