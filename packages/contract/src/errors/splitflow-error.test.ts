import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from './codes.js';
import { codeForStatus, isSplitflowError, SplitflowError } from './splitflow-error.js';

describe('error table', () => {
  it('is the same table as docs/errors.md, row by row', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = doc
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      )
      .map(([code, status, retryable, summary]) => [code?.replaceAll('`', ''), Number(status), retryable === 'yes', summary]);
    const table = Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status, e.retryable, e.summary]);
    expect(rows).toEqual(table);
  });

  it('uses only statuses a client can act on', () => {
    for (const { status } of Object.values(ERROR_CODES)) expect([0, 400, 401, 403, 404, 408, 413, 414, 415, 429, 431, 500, 502, 503, 504]).toContain(status);
  });
});

describe('SplitflowError', () => {
  it('takes status and retryability from the table', () => {
    const e = new SplitflowError('OVERLOADED', { retryAfterS: 2 });
    expect([e.status, e.retryable, e.retryAfterS, e.message]).toEqual([503, true, 2, ERROR_CODES.OVERLOADED.summary]);
  });

  it('round-trips through JSON with its code, message and details', () => {
    const e = new SplitflowError('MODEL_NOT_FOUND', { message: 'no model "x"', details: { model: 'x' } });
    const wire = JSON.parse(JSON.stringify(e));
    expect(wire).toEqual({ error: 'no model "x"', code: 'MODEL_NOT_FOUND', details: { model: 'x' } });
    const back = SplitflowError.from(wire);
    expect([back.code, back.message, back.details, back.status]).toEqual(['MODEL_NOT_FOUND', 'no model "x"', { model: 'x' }, 404]);
  });

  it('turns a plain OIP error body or garbage into the fallback code', () => {
    expect(SplitflowError.from({ error: 'boom' }, 'UPSTREAM_FAILED').code).toBe('UPSTREAM_FAILED');
    expect(SplitflowError.from({ error: 'x', code: 'NOT_A_CODE' }).code).toBe('INTERNAL');
    expect(SplitflowError.from(42).code).toBe('INTERNAL');
    expect(SplitflowError.from('text', 'NETWORK').message).toBe('text');
  });

  it('is recognised by code across realms, where instanceof fails', () => {
    const foreign = { name: 'SplitflowError', code: 'TIMEOUT', message: 'late' }; // as a structured clone arrives
    expect(foreign instanceof SplitflowError).toBe(false);
    expect(isSplitflowError(foreign, 'TIMEOUT')).toBe(true);
    expect(isSplitflowError(foreign, 'OVERLOADED')).toBe(false);
    expect(isSplitflowError(new Error('x'))).toBe(false);
  });

  it('maps bare HTTP statuses to codes', () => {
    const cases: [number, ErrorCode][] = [
      [400, 'INVALID_REQUEST'],
      [401, 'UNAUTHORIZED'],
      [404, 'MODEL_NOT_FOUND'],
      [413, 'PAYLOAD_TOO_LARGE'],
      [429, 'RATE_LIMITED'],
      [503, 'OVERLOADED'],
      [504, 'TIMEOUT'],
      [500, 'UPSTREAM_FAILED'],
    ];
    for (const [status, code] of cases) expect(codeForStatus(status)).toBe(code);
  });
});
