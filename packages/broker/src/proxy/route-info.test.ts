import { isSplitflowError, LOAD_HEADERS, SPLITFLOW_PARAMS } from '@splitflow/contract';
import { describe, expect, it } from 'vitest';
import { openResponse } from './route-info.js';

const answer = (parameters: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  status: 200,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify({ model_name: 'tiny', outputs: [], parameters })),
});

describe('openResponse: what the endpoint reports', () => {
  it("reads our worker's load headers, run size included", () => {
    const { report } = openResponse(
      answer({}, { [LOAD_HEADERS.queueUs]: '120', [LOAD_HEADERS.computeUs]: '900', [LOAD_HEADERS.queueDepth]: '3', [LOAD_HEADERS.batchSize]: '24' }),
    );
    expect(report).toEqual({ queueUs: 120, computeUs: 900, queueDepth: 3, batchSize: 24 });
  });

  it('falls back to OIP parameters, and ignores values that are not counts', () => {
    const { report } = openResponse(answer({ [SPLITFLOW_PARAMS.batchSize]: 8, [SPLITFLOW_PARAMS.computeUs]: -5, [SPLITFLOW_PARAMS.queueDepth]: 'many' }));
    expect(report).toEqual({ batchSize: 8 });
  });

  it('an answer that is not an OIP response is UPSTREAM_FAILED', () => {
    const error = (() => {
      try {
        openResponse({ status: 200, headers: {}, body: Buffer.from('[1,2]') });
      } catch (e) {
        return e;
      }
    })();
    expect(isSplitflowError(error, 'UPSTREAM_FAILED')).toBe(true);
  });
});
