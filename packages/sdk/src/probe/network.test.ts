import { describe, expect, it } from 'vitest';
import { measureRoundTrip } from './network.js';

// Fake pings: each call returns the next duration, as a link would report it, with no clock involved.
const pings = (...ms: number[]) => {
  const calls: number[] = [];
  const ping = async () => {
    const next = ms[calls.length];
    if (next === undefined) throw new Error('pinged more often than the test expects');
    calls.push(next);
    return next;
  };
  return { ping, calls };
};

describe('measureRoundTrip', () => {
  it('does not count the ping that opens the connection (a handshake costs extra round trips)', async () => {
    // A 4 ms link whose first request also waits for the TCP handshake.
    const { ping, calls } = pings(401, 4);
    expect(await measureRoundTrip(ping)).toBe(4);
    expect(calls).toHaveLength(2);
  });

  it('takes the faster ping: a stall of the second does not count either', async () => {
    const { ping } = pings(180, 600);
    expect(await measureRoundTrip(ping)).toBe(180);
  });

  it('times its pings only after the quiet promise settles', async () => {
    const order: string[] = [];
    let release: (() => void) | undefined;
    const quiet = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ping = async () => {
      order.push('ping');
      return 10;
    };
    const measuring = measureRoundTrip(ping, quiet);
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual([]);
    release?.();
    expect(await measuring).toBe(10);
    expect(order).toEqual(['ping', 'ping']);
  });

  it('passes a failed ping on to the caller', async () => {
    const failing = async (): Promise<number> => {
      throw new Error('unreachable');
    };
    await expect(measureRoundTrip(failing)).rejects.toThrow('unreachable');
  });
});
