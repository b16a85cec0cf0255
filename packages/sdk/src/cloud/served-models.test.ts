import { SplitflowError } from '@splitflow/contract';
import { describe, expect, it, vi } from 'vitest';
import type { CloudClient } from './cloud-client.js';
import { createServedModels } from './served-models.js';

// The seam is the cloud client's `serves`, tested against a real server in cloud-client.test.ts.
function fakeCloud(answer: (model: string, n: number) => Promise<boolean>) {
  const asked: string[] = [];
  const cloud = {
    url: 'http://cloud.test',
    infer: () => Promise.reject(new Error('not used')),
    ping: () => Promise.resolve(1),
    serves: (model: string) => {
      asked.push(model);
      return answer(model, asked.filter((m) => m === model).length);
    },
  } satisfies CloudClient;
  return { cloud, asked };
}

describe('served models', () => {
  it('asks once per model, shares the lookup, and keeps answers', async () => {
    const { cloud, asked } = fakeCloud(async (model) => model === 'a');
    const served = createServedModels(cloud);
    served.learn(['a', 'b']);
    const [a1, a2, b] = await Promise.all([served.serves('a', 10_000), served.serves('a', 10_000), served.serves('b', 10_000)]);
    expect([a1, a2, b]).toEqual([true, true, false]);
    expect(await served.serves('a', 0)).toBe(true);
    expect(asked).toEqual(['a', 'b']);
    expect(served.known()).toEqual({ a: true, b: false });
  });

  it('says unknown when the lookup fails or has not answered in time, and asks again later', async () => {
    let release: (v: boolean) => void = () => undefined;
    const { cloud, asked } = fakeCloud((_model, n) => {
      if (n === 1) return Promise.reject(new SplitflowError('NETWORK', { message: 'down' }));
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    const served = createServedModels(cloud);
    expect(await served.serves('a', 10_000)).toBeUndefined();
    expect(await served.serves('a', 0)).toBeUndefined();
    release(true);
    expect(await served.serves('a', 10_000)).toBe(true);
    expect(asked).toEqual(['a', 'a']);
  });

  it('learns after its gate, two lookups at a time, and asks at once about a model a caller waits for', async () => {
    const pending = new Map<string, (served: boolean) => void>();
    const { cloud, asked } = fakeCloud(
      (model) =>
        new Promise((resolve) => {
          pending.set(model, resolve);
        }),
    );
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const served = createServedModels(cloud);
    served.learn(['a', 'b', 'c', 'd'], gate);
    await Promise.resolve();
    expect(asked).toEqual([]);
    openGate();
    await vi.waitFor(() => expect(asked).toEqual(['a', 'b']));
    const d = served.serves('d', 10_000);
    expect(asked).toEqual(['a', 'b', 'd']);
    pending.get('d')?.(true);
    expect(await d).toBe(true);
    pending.get('a')?.(true);
    await vi.waitFor(() => expect(asked).toEqual(['a', 'b', 'd', 'c']));
    for (const model of ['b', 'c']) pending.get(model)?.(false);
    await vi.waitFor(() => expect(served.known()).toEqual({ a: true, b: false, c: false, d: true }));
    expect(asked).toHaveLength(4);
  });
});
