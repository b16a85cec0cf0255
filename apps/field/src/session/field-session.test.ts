import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, createFieldSession, csvCell, parseCsv, type RunRecord } from './field-session.js';

const run = (over: Partial<RunRecord> = {}): Omit<RunRecord, 'seq' | 'at'> => ({
  model: 'tiny',
  mode: 'auto',
  input: 'random',
  ok: true,
  where: 'local',
  backend: 'wasm',
  reason: 'local is faster: 0.4 ms vs 12 ms',
  fallback: '',
  totalMs: 0.42,
  computeMs: 0.3,
  queueMs: null,
  networkType: '4g',
  rttMs: 50,
  errorCode: '',
  errorMessage: '',
  outputDigest: '0.1,0.2',
  ...over,
});

describe('field session', () => {
  it('numbers runs and keeps them in order', () => {
    const s = createFieldSession(new Date('2026-01-01T00:00:00Z'));
    s.record(run(), new Date('2026-01-01T00:00:01Z'));
    s.record(run({ where: 'cloud' }), new Date('2026-01-01T00:00:02Z'));
    expect(s.runs.map((r) => [r.seq, r.where, r.at])).toEqual([
      [1, 'local', '2026-01-01T00:00:01.000Z'],
      [2, 'cloud', '2026-01-01T00:00:02.000Z'],
    ]);
  });

  it('exports JSON whose runs equal the records', () => {
    const s = createFieldSession();
    s.record(run());
    const doc = JSON.parse(s.toJSON({ device: { gflops: 3 } }));
    expect(doc.format).toBe('splitflow-field-session/1');
    expect(doc.device).toEqual({ gflops: 3 });
    expect(doc.runs).toEqual(s.runs);
  });

  it('exports CSV that parses back to the same cells, quotes and newlines included', () => {
    const s = createFieldSession();
    s.record(run({ reason: 'says "why", with commas\nand lines', ok: false, errorCode: 'TIMEOUT' }));
    s.record(run({ computeMs: null }));
    const rows = parseCsv(s.toCSV());
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    expect(rows[1]![CSV_COLUMNS.indexOf('reason')]).toBe('says "why", with commas\nand lines');
    expect(rows[1]![CSV_COLUMNS.indexOf('ok')]).toBe('false');
    expect(rows[2]![CSV_COLUMNS.indexOf('computeMs')]).toBe('');
  });

  it('quotes only what needs quoting', () => {
    expect([csvCell('plain'), csvCell('a,b'), csvCell('q"'), csvCell(null), csvCell(1.5)]).toEqual(['plain', '"a,b"', '"q"""', '', '1.5']);
  });

  it('restores a saved session and continues its numbering', () => {
    const first = createFieldSession();
    first.record(run());
    const again = createFieldSession(new Date(), JSON.parse(first.toJSON()).runs);
    expect(again.record(run()).seq).toBe(2);
  });
});
