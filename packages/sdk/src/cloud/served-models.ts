import type { CloudClient } from './cloud-client.js';

/** What the client knows of which models the cloud endpoint serves. */
export interface ServedModels {
  /** Asks the endpoint about `models` now (in the background); answers are kept, failures are asked again later. */
  learn(models: readonly string[]): void;
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
    learn(models) {
      for (const model of models) void ask(model);
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
