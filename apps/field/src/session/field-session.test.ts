import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, createFieldSession, csvCell, type RunRecord, replayStages, type StageRecord } from './field-session.js';

/** An independent RFC 4180 reader (papaparse), so the writer is checked against a parser it did not come with. */
function parseCsv(text: string): string[][] {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

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

  it('records each stage of a pipeline run with its route, exports it, and replays it pinned to the same sides', () => {
    const call = (where: string, over: Partial<StageRecord['calls'][number]> = {}) => ({
      items: 1,
      where,
      backend: where === 'local' ? 'wasm' : '',
      pool: where === 'cloud' ? 'local-cpu' : '',
      totalMs: 10,
      reason: 'auto',
      fallback: '',
      ...over,
    });
    const stages: StageRecord[] = [
      { stage: 'detect', model: 'ocr-det', where: 'local', mode: 'auto', budgetMs: 900, elapsedMs: 120.4, calls: [call('local')] },
      { stage: 'orient', model: 'ocr-cls', where: 'mixed', mode: 'auto', budgetMs: 100, elapsedMs: 30, calls: [call('local'), call('cloud')] },
      {
        stage: 'recognise',
        model: 'ocr-rec',
        where: 'cloud',
        mode: 'cloud-only',
        budgetMs: 1900,
        elapsedMs: 340,
        calls: [call('cloud', { items: 3 }), call('cloud')],
      },
    ];
    const s = createFieldSession();
    s.record(
      run({
        model: 'ocr pipeline',
        stages,
        pipeline: {
          kind: 'ocr',
          latencyBudgetMs: 3000,
          input: { source: 'camera', name: 'photo', bytes: 10, sha256: 'ab', width: 640, height: 480 },
          result: 'HELLO',
        },
      }),
    );
    const doc = JSON.parse(s.toJSON());
    expect(doc.runs[0].stages).toEqual(stages);
    expect(doc.runs[0].pipeline.input.sha256).toBe('ab');
    const rows = parseCsv(s.toCSV());
    expect(rows[1]![CSV_COLUMNS.indexOf('stages')]).toBe(
      'detect:local/wasm 120ms;orient:local/wasm+cloud/local-cpu x2 30ms;recognise:cloud/local-cpu x2 340ms',
    );
    expect(replayStages(doc.runs[0])).toEqual({ detect: { mode: 'local-only' }, orient: { mode: 'auto' }, recognise: { mode: 'cloud-only' } });
    expect(replayStages(run())).toEqual({});
  });
});
