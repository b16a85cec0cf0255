import { isSplitflowError, type SerializedError, SplitflowError } from '@splitflow/contract/core';
import { type TransferHandler, transferHandlers } from 'comlink';

interface Wire {
  splitflow?: SerializedError;
}

/**
 * Comlink sends a thrown Error as `{ message, name, stack }` and rebuilds a plain Error, dropping
 * `code` and `details`. This wraps comlink's `throw` handler so a SplitflowError crosses the Worker
 * boundary as its wire form and is rebuilt, by code, as a SplitflowError on the other side; other
 * throws keep comlink's behaviour. Comlink's handler table is per realm, so both the page and the
 * Worker call this; calling it twice is harmless.
 */
export function registerErrorTransfer(): void {
  const original = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown> & { splitflow?: true };
  if (!original || original.splitflow) return;
  const handler: TransferHandler<{ value: unknown }, unknown> & { splitflow: true } = {
    splitflow: true,
    canHandle: (value): value is { value: unknown } => original.canHandle(value),
    serialize(thrown) {
      if (isSplitflowError(thrown.value)) {
        const wire: Wire = { splitflow: thrown.value.toJSON() };
        return [wire, []];
      }
      return original.serialize(thrown);
    },
    deserialize(serialized) {
      const wire = serialized as Wire;
      if (wire && typeof wire === 'object' && wire.splitflow) throw SplitflowError.from(wire.splitflow);
      return original.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
