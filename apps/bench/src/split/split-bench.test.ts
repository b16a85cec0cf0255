import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { round } from '../worker/stats.js';
import {
  breakEvenSlowdown,
  type Cell,
  type CellInput,
  choiceOf,
  headline,
  mergeReports,
  type RouteSample,
  renderSplitReport,
  type SplitReportData,
  summariseCell,
} from './split-report.js';

// The bench's own logic on made-up samples (deterministic), and a smoke run of the real command on
// `tiny` over one shaped network: every route answers, and every allowed encoding holds its tolerance.

const sample = (route: string, ms: number, took = route, upBytes = 0) => ({ route, round: 0, ms, upBytes, downBytes: 0, took });

/** A cell of made-up samples: model `m` on device `d` over network `n`, one round, unless `given` says otherwise. */
const cellOf = (samples: RouteSample[], given: Partial<CellInput> = {}) =>
  summariseCell({ model: 'm', device: 'd', network: 'n', loadAverage1m: 1, rounds: 1, classCount: undefined, failures: [], samples, ...given });

describe('summariseCell', () => {
  it('finds the oracle among the fixed routes and judges auto against it and the better whole route', () => {
    const cell = cellOf(
      [
        ...[100, 110, 90].map((ms) => sample('local', ms)),
        ...[200, 210, 190].map((ms) => sample('cloud', ms, 'cloud', 1000)),
        ...[60, 70, 50].map((ms) => sample('split@a/uint8', ms, 'split@a/uint8', 100)),
        ...[66, 64, 80].map((ms) => sample('auto', ms, 'split@a/uint8')),
      ],
      { rounds: 3, coldChoice: 'cloud' },
    );
    expect(cell.oracle).toEqual({ route: 'split@a/uint8', ms: 60 });
    expect(cell.bestWhole).toEqual({ route: 'local', ms: 100 });
    expect(cell.splitWins).toBe(true);
    expect(cell.splitOverCloud).toBeCloseTo(200 / 60, 3);
    expect(cell.auto).toMatchObject({ ms: 66, picks: { 'split@a/uint8': 3 }, vsOracle: 1.1, vsBestWhole: 0.66 });
    expect(cell.cold).toMatchObject({ choice: 'cloud', ms: 200, vsBestWhole: 2 });
    // The choice is judged by its route's median, apart from the noise of auto's own runs.
    expect(choiceOf(cell)).toEqual({ route: 'split@a/uint8', ms: 60, vsOracle: 1, vsBestWhole: 0.6, worst: { route: 'split@a/uint8', vsBestWhole: 0.6 } });
    const h = headline([cell, { ...cell, auto: { ...cell.auto, vsOracle: 1.2, vsBestWhole: 1.3 } } as Cell]);
    expect(h).toMatchObject({
      cells: 2,
      autoWithin10: 1,
      autoWorseThanBestWholeBy20: 1,
      choiceIsOracle: 2,
      choiceWithin10: 2,
      splitWins: 2,
      coldWithin10: 0,
      coldWorseThanBestWholeBy20: 2,
    });
  });
});

describe('choiceOf', () => {
  // The split bench's ocr-rec cell on the throttled page over Wi-Fi: three near-equal routes, and auto
  // took each once in three rounds.
  const cell = cellOf(
    [
      ...[720, 700, 760].map((ms) => sample('local', ms)),
      ...[881, 860, 900].map((ms) => sample('cloud', ms)),
      ...[736, 730, 750].map((ms) => sample('split@c/uint8', ms, 'split@c/uint8')),
      sample('auto', 900, 'cloud'),
      sample('auto', 740, 'split@c/uint8'),
      sample('auto', 720, 'local'),
    ],
    { model: 'ocr-rec', network: 'wifi', rounds: 3 },
  );

  it('judges every choice auto made, not only the one it made most often', () => {
    const choice = choiceOf(cell);
    // (881 + 736 + 720) / 3 over local's 720: what a caller could expect of auto here.
    expect(choice.ms).toBeCloseTo((881 + 736 + 720) / 3, 1);
    expect(choice.vsBestWhole).toBeCloseTo(1.082, 3);
    // The slowest single choice is still shown: cloud, 22% over local.
    expect(choice.worst).toEqual({ route: 'cloud', vsBestWhole: 1.224 });
    expect(headline([cell])).toMatchObject({ choiceWithin10: 1, choiceWorseThanBestWholeBy20: 0, anyChoiceWorseThanBestWholeBy20: 1 });
  });

  it('weighs a choice by how often auto took it', () => {
    const mostlyCloud = { ...cell, auto: { ...cell.auto, picks: { cloud: 3, local: 1 } } };
    expect(choiceOf(mostlyCloud)).toMatchObject({ route: 'cloud', ms: round((3 * 881 + 720) / 4, 1) });
    expect(headline([mostlyCloud]).choiceWorseThanBestWholeBy20).toBe(0);
    const allCloud = { ...cell, auto: { ...cell.auto, picks: { cloud: 2 } } };
    expect(headline([allCloud]).choiceWorseThanBestWholeBy20).toBe(1);
  });
});

describe('breakEvenSlowdown', () => {
  it('is the device slowdown at which the split beats all-local: the head and the model slow down, the link and the tail do not', () => {
    const cell = cellOf([sample('local', 100), sample('cloud', 500), sample('split@a/uint8', 160, 'split@a/uint8', 100), sample('auto', 100, 'local')]);
    // Head 20 ms (20% of the FLOPs): 4x slower, local 400 ms against 80 + 140 = 220 ms; at 1.75x both take 175 ms.
    expect(breakEvenSlowdown(cell, { a: 0.2 })).toEqual({ route: 'split@a/uint8', slowdown: 140 / 80 });
    // A cut after all the work never wins by a slower device; no shares, no projection.
    expect(breakEvenSlowdown(cell, { a: 1 })).toBeUndefined();
    expect(breakEvenSlowdown(cell, undefined)).toBeUndefined();
  });
});

describe('mergeReports', () => {
  const cell = cellOf([sample('local', 10), sample('cloud', 20), sample('auto', 11, 'local')], { device: 'a' });
  const part = (device: string, date: string, minutes: number, load: number, networks = ['n']): SplitReportData => ({
    machine: { date, name: 'vm', loadAverageBefore: [load, load, load], loadAverageAfter: [load, load, load], devicesRunAtOnce: 2 },
    minutes,
    setup: { rounds: 1, devices: { [device]: `${device} label` }, networks: {}, cloud: 'c', shaping: 's', caveat: 'k', inputs: {} },
    cells: networks.map((network) => ({ ...cell, device, network, loadAverage1m: load })),
  });

  it('joins runs of different devices: every cell, every device, each run with its own time and load', () => {
    const merged = mergeReports([part('a', '2026-11-30T20:00:00Z', 30, 9), part('b', '2026-11-30T20:30:00Z', 40, 14)]);
    expect(merged.cells.map((c) => c.device)).toEqual(['a', 'b']);
    expect(merged.setup.devices).toEqual({ a: 'a label', b: 'b label' });
    expect(merged.minutes).toBe(70);
    expect(merged.runs?.map((r) => [r.devices, r.minutes, r.loadAverageBefore])).toEqual([
      [['a'], 30, [9, 9, 9]],
      [['b'], 40, [14, 14, 14]],
    ]);
    expect(merged.machine.loadAverageBefore).toBeUndefined();
    const md = renderSplitReport(merged);
    expect(md).toContain('in 2 runs, joined with `--merge`');
    expect(md).toContain('finished 2026-11-30 20:30 UTC after 40 min, devices b (2 at once): load average (1, 5, 15 min) before [14,14,14]');
    // The second run began at 19:50, before the first ended at 20:00.
    expect(md).toContain('The runs overlapped in time');
  });

  it("keeps a later run's cell where two runs timed the same one, and drops a run with no cell left", () => {
    const merged = mergeReports([
      part('a', '2026-11-30T20:00:00Z', 30, 9, ['n', 'm']),
      part('b', '2026-11-30T20:00:00Z', 30, 9),
      part('b', '2026-12-01T02:00:00Z', 20, 1),
      part('a', '2026-12-01T03:00:00Z', 10, 2, ['m']),
    ]);
    // Each cell once, in its first place, with the later run's numbers.
    expect(merged.cells.map((c) => [c.device, c.network, c.loadAverage1m])).toEqual([
      ['a', 'n', 9],
      ['a', 'm', 2],
      ['b', 'n', 1],
    ]);
    expect(merged.runs?.map((r) => [r.devices, r.date])).toEqual([
      [['a'], '2026-11-30T20:00:00Z'],
      [['b'], '2026-12-01T02:00:00Z'],
      [['a'], '2026-12-01T03:00:00Z'],
    ]);
    expect(merged.minutes).toBe(60);
    expect(merged.setup.devices).toEqual({ a: 'a label', b: 'b label' });
  });
});

describe('the split bench command (smoke, tiny)', () => {
  const out = mkdtempSync(join(tmpdir(), 'split-bench-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('times every route of tiny over one shaped network and writes its report', async () => {
    const script = join(import.meta.dirname, 'split-bench.ts');
    const args = ['--models', 'tiny', '--devices', 'ort-node-1t', '--networks', 'wifi', '--rounds', '1', '--max-rounds', '1', '--out', out, '--name', 'smoke'];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('exit', resolve);
    });
    expect(code).toBe(0);
    const data = JSON.parse(readFileSync(join(out, 'smoke.json'), 'utf8')) as { cells: Cell[] };
    expect(data.cells).toHaveLength(1);
    const cell = data.cells[0] as Cell;
    expect(cell.failures).toEqual([]);
    const routes = cell.routes.map((r) => r.route).sort();
    expect(routes).toEqual(['auto', 'cloud', 'local', 'split@fc1-gemm/fp16', 'split@fc1-gemm/fp32', 'split@fc1-gemm/uint8']);
    for (const r of cell.routes.filter((x) => x.route.startsWith('split@'))) {
      expect(r.top1Agreement).toBe(1);
      expect(r.maxError).toBeLessThanOrEqual(0.02);
      expect(r.upBytes).toBeGreaterThan(0);
    }
    expect(readFileSync(join(out, 'smoke.md'), 'utf8')).toContain('## Headline');
  }, 180_000);
});
