import { describe, expect, it } from 'vitest';
import { observeCloud } from './cloud-observation.js';

describe('observeCloud', () => {
  const call = { wallMs: 1300, headersMs: 1200, requestBytes: 100_000, responseBytes: 50_000, attempts: 1, queueMs: 30, computeMs: 70 };

  it('takes the upload from the time to the headers less the round trip and the server, the download from the body after them', () => {
    const seen = observeCloud(call, 100);
    expect(seen.networkMs).toBe(1200);
    expect(seen.upload).toEqual({ bytes: 100_000, ms: 1000 });
    expect(seen.download).toEqual({ bytes: 50_000, ms: 100 });
  });

  it('learns no upload without a measured round trip, and nothing from a retried call', () => {
    expect(observeCloud(call, undefined).upload).toBeUndefined();
    const retried = observeCloud({ ...call, attempts: 2 }, 100);
    expect(retried).toEqual({ networkMs: 1200 });
  });

  it('learns no upload when the server and round trip account for all of the time to the headers', () => {
    expect(observeCloud({ ...call, headersMs: 150 }, 100).upload).toBeUndefined();
    expect(observeCloud({ ...call, headersMs: 150, wallMs: 150 }, 100).download).toBeUndefined();
  });
});
