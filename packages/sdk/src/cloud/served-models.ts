import type { CloudClient } from './cloud-client.js';

/** What the client knows of which models the cloud endpoint serves. */
export interface LearnOptions {
  /** The lookups start once this settles (the client's first round trip, which they must not delay). */
  after?: Promise<unknown>;
  /** Lookups in flight at once: a browser opens about 6 connections per host, and requests that matter must find one free. @default 2 */
  concurrency?: number;
}

export interface ServedModels {
  /**
   * Asks the endpoint about `models` in the background, a few at a time; answers are kept, failures
   * are asked again later. A model asked about with `serves` meanwhile is looked up at once.
   */
  learn(models: readonly string[], options?: LearnOptions): void;
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
      lookup = cloud.serves(model).then(
        (served) => {
          answers.set(model, served);
          return served;
        },
        () => undefined,
      );
      const current = lookup;
      void current.then(() => {
        if (pending.get(model) === current) pending.delete(model);
      });
      pending.set(model, lookup);
    }
    return lookup;
  };

  return {
    learn(models, o = {}) {
      const queue = [...models];
      const next = async (): Promise<void> => {
        for (let model = queue.shift(); model !== undefined; model = queue.shift()) await ask(model);
      };
      const start = () => {
        for (let i = 0; i < Math.max(1, o.concurrency ?? 2); i++) void next();
      };
      if (o.after) void o.after.then(start, start);
      else start();
    },
    async serves(model, waitMs) {
      const known = answers.get(model);
      if (known !== undefined) return known;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), Math.max(0, waitMs));
      });
      try {
        return await Promise.race([ask(model), late]);
      } finally {
        clearTimeout(timer);
      }
    },
    known: () => Object.fromEntries(answers),
  };
}
