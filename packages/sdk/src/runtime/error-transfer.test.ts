import { isSplitflowError, SplitflowError } from '@splitflow/contract';
import { expose, wrap } from 'comlink';
import { describe, expect, it } from 'vitest';
import { registerErrorTransfer } from './error-transfer.js';

describe('SplitflowError across a comlink boundary (a real MessageChannel)', () => {
  it('rebuilds the error by code with its details, and leaves other throws to comlink', async () => {
    registerErrorTransfer();
    registerErrorTransfer(); // twice is harmless
    const { port1, port2 } = new MessageChannel();
    expose(
      {
        typed: () => {
          throw new SplitflowError('MODEL_INTEGRITY', { message: 'bad bytes', details: { file: 'm.onnx' } });
        },
        plain: () => {
          throw new TypeError('plain failure');
        },
      },
      port1 as unknown as Parameters<typeof expose>[1],
    );
    const remote = wrap<{ typed(): void; plain(): void }>(port2 as unknown as Parameters<typeof wrap>[0]);
    const typed = await Promise.resolve(remote.typed()).catch((e: unknown) => e);
    expect(isSplitflowError(typed, 'MODEL_INTEGRITY')).toBe(true);
    expect(typed).toBeInstanceOf(SplitflowError);
    expect((typed as SplitflowError).message).toBe('bad bytes');
    expect((typed as SplitflowError).details).toEqual({ file: 'm.onnx' });
    expect((typed as SplitflowError).status).toBe(500);
    const plain = await Promise.resolve(remote.plain()).catch((e: unknown) => e);
    expect(isSplitflowError(plain)).toBe(false);
    expect((plain as Error).message).toBe('plain failure');
    port1.close();
    port2.close();
  });
});
