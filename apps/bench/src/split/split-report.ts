import { table } from '../worker/report.js';
import { round } from '../worker/stats.js';

/** One timed run of one route in one cell. */
export interface RouteSample {
  route: string;
  round: number;
  ms: number;
  /** Bytes the client sent and received over the shaped link (HTTP framing included). */
  upBytes: number;
  downBytes: number;
  /** The fixed route the run took (for auto: the router's choice). */
  took: string;
  reason?: string;
  /** For auto: what the router estimated for each candidate route, in ms, before the run. */
  estimates?: Record<string, number>;
  /** Every output's values, kept from one round to compare routes' answers. */
  outputs?: number[][];
}

export interface RouteSummary {
  route: string;
  medianMs: number;
  ms: number[];
  upBytes: number;
  downBytes: number;
  /** Largest absolute difference from the all-cloud (fp32, whole model) answer, as a share of its largest magnitude. */
  maxError?: number;
  /** Share of rows (a class vector, or a step of a sequence) whose arg-max agrees with all-cloud. */
  top1Agreement?: number;
}

export interface Cell {
  model: string;
  device: string;
  network: string;
  loadAverage1m: number;
  /** Rounds timed (every route once per round). */
  rounds: number;
  routes: RouteSummary[];
  /** The fastest fixed route in hindsight (median), auto excluded. */
  oracle: { route: string; ms: number };
  bestWhole: { route: 'local' | 'cloud'; ms: number };
  bestSplit?: { route: string; ms: number };
  /** A split beat both whole routes: by these factors. */
  splitWins: boolean;
  splitOverCloud?: number;
  splitOverLocal?: number;
  auto: {
    ms: number;
    /** How often auto took each route in the timed rounds. */
    picks: Record<string, number>;
    vsOracle: number;
    vsBestWhole: number;
    reason?: string;
    /** Each timed auto run in order: its round, the route it took, its time and the router's estimates before it. */
    runs?: { round: number; took: string; ms: number; estimates?: Record<string, number> }[];
  };
  /** The router's first decision on a fresh client (priors and a ping), judged by that route's median. */
  cold?: { choice: string; ms: number; vsOracle: number; vsBestWhole: number; reason?: string };
  failures: { route: string; round: number; code: string; message?: string }[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function compare(outputs: number[][], reference: number[][], classCount: number | undefined): { maxError: number; top1Agreement?: number } {
  let scale = 0;
  let diff = 0;
  for (let o = 0; o < reference.length; o++) {
    const ref = reference[o] as number[];
    const got = outputs[o] ?? [];
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i] as number));
      diff = Math.max(diff, Math.abs((got[i] ?? Number.NaN) - (ref[i] as number)));
    }
  }
  const maxError = scale > 0 ? diff / scale : diff;
  if (classCount === undefined) return { maxError };
  return { maxError, top1Agreement: agreement(reference[0] as number[], outputs[0] ?? [], classCount) };
}

/** The first output's last axis holds `n` classes; every leading position is one row. */
function agreement(ref: number[], got: number[], n: number): number {
  const rows = Math.max(1, Math.floor(ref.length / n));
  let same = 0;
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    for (let i = 1; i < n; i++) {
      if ((ref[r * n + i] as number) > (ref[r * n + a] as number)) a = i;
      if ((got[r * n + i] as number) > (got[r * n + b] as number)) b = i;
    }
    if (a === b) same++;
  }
  return same / rows;
}

export interface CellInput {
  model: string;
  device: string;
  network: string;
  samples: RouteSample[];
  failures: Cell['failures'];
  coldChoice?: string;
  coldReason?: string;
  loadAverage1m: number;
  rounds: number;
  /** Length of the first output's last axis when it holds classes (arg-max agreement is reported), else undefined. */
  classCount: number | undefined;
}

/** Medians per route, the oracle, the router against it, and each route's answer against all-cloud. */
export function summariseCell(input: CellInput): Cell {
  const byRoute = new Map<string, RouteSample[]>();
  for (const s of input.samples) byRoute.set(s.route, [...(byRoute.get(s.route) ?? []), s]);
  const reference = byRoute.get('cloud')?.find((s) => s.outputs)?.outputs;
  const routes: RouteSummary[] = [...byRoute].map(([route, samples]) => {
    const outputs = samples.find((s) => s.outputs)?.outputs;
    const accuracy = outputs && reference && route !== 'auto' ? compare(outputs, reference, input.classCount) : {};
    return {
      route,
      medianMs: round(median(samples.map((s) => s.ms)), 1),
      ms: samples.map((s) => round(s.ms, 1)),
      upBytes: median(samples.map((s) => s.upBytes)),
      downBytes: median(samples.map((s) => s.downBytes)),
      ...accuracy,
    };
  });
  const ms = (route: string) => routes.find((r) => r.route === route)?.medianMs ?? Number.POSITIVE_INFINITY;
  const fixed = routes.filter((r) => r.route !== 'auto');
  const oracle = fixed.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const local = ms('local');
  const cloud = ms('cloud');
  const bestWhole = local <= cloud ? { route: 'local' as const, ms: local } : { route: 'cloud' as const, ms: cloud };
  const splits = fixed.filter((r) => r.route.startsWith('split@'));
  const best = splits.length > 0 ? splits.reduce((a, b) => (b.medianMs < a.medianMs ? b : a)) : undefined;
  const autoSamples = byRoute.get('auto') ?? [];
  const picks: Record<string, number> = {};
  for (const s of autoSamples) picks[s.took] = (picks[s.took] ?? 0) + 1;
  const autoMs = ms('auto');
  const cell: Cell = {
    model: input.model,
    device: input.device,
    network: input.network,
    loadAverage1m: round(input.loadAverage1m, 2),
    rounds: input.rounds,
    routes,
    oracle: { route: oracle.route, ms: oracle.medianMs },
    bestWhole,
    splitWins: best !== undefined && best.medianMs < bestWhole.ms,
    auto: {
      ms: autoMs,
      picks,
      vsOracle: round(autoMs / oracle.medianMs, 3),
      vsBestWhole: round(autoMs / bestWhole.ms, 3),
      reason: autoSamples.at(-1)?.reason,
      runs: autoSamples.map((s) => ({ round: s.round, took: s.took, ms: round(s.ms, 1), ...(s.estimates ? { estimates: s.estimates } : {}) })),
    },
    failures: input.failures,
  };
  if (best) {
    cell.bestSplit = { route: best.route, ms: best.medianMs };
    cell.splitOverCloud = round(cloud / best.medianMs, 3);
    cell.splitOverLocal = round(local / best.medianMs, 3);
  }
  if (input.coldChoice !== undefined) {
    const coldMs = ms(input.coldChoice);
    cell.cold = {
      choice: input.coldChoice,
      ms: coldMs,
      vsOracle: round(coldMs / oracle.medianMs, 3),
      vsBestWhole: round(coldMs / bestWhole.ms, 3),
      reason: input.coldReason,
    };
  }
  return cell;
}

export interface SplitRun {
  devices: string[];
  date: string;
  minutes: number;
  loadAverageBefore?: unknown;
  loadAverageAfter?: unknown;
  devicesRunAtOnce?: number;
}

export interface SplitReportData {
  machine: { date: string; name?: unknown; loadAverageBefore?: unknown; loadAverageAfter?: unknown } & Record<string, unknown>;
  minutes: number;
  /** Set when the report joins several runs of the command (`--merge`): each run's devices, time and load. */
  runs?: SplitRun[];
  setup: {
    rounds: number;
    maxRounds?: number;
    cellSeconds?: number;
    devices: Record<string, string | undefined>;
    networks: Record<string, { label: string; rttMs: number; upMbps: number; downMbps: number; source: string } | undefined>;
    cloud: string;
    shaping: string;
    caveat: string;
    inputs: Record<string, unknown>;
    /** Per model and cut: the share of the model's FLOPs before the cut, at the bench's input. */
    deviceShare?: Record<string, Record<string, number>>;
  };
  cells: Cell[];
}

/** A cell's place in a report: one per model, device and network. */
const cellKey = (c: Pick<Cell, 'model' | 'device' | 'network'>) => `${c.model}|${c.device}|${c.network}`;

/**
 * Several runs' reports as one: every cell, every device, and each run's time and load. A cell that a
 * later part timed again (a rerun of one device, say) is the later part's, in the earlier one's place;
 * a run whose cells were all replaced so is left out, and a run's devices are those it still gives cells.
 */
export function mergeReports(parts: SplitReportData[]): SplitReportData {
  const first = parts[0];
  if (!first) throw new Error('nothing to merge');
  const cells = new Map<string, { cell: Cell; part: number }>();
  parts.forEach((p, part) => {
    for (const cell of p.cells) cells.set(cellKey(cell), { cell, part });
  });
  const runs = parts.flatMap((p, part): SplitRun[] => {
    const kept = new Set([...cells.values()].filter((c) => c.part === part).map((c) => c.cell.device));
    const own = p.runs ?? [
      {
        devices: Object.keys(p.setup.devices),
        date: p.machine.date,
        minutes: p.minutes,
        loadAverageBefore: p.machine.loadAverageBefore,
        loadAverageAfter: p.machine.loadAverageAfter,
        ...(typeof p.machine.devicesRunAtOnce === 'number' ? { devicesRunAtOnce: p.machine.devicesRunAtOnce } : {}),
      },
    ];
    return own.map((r) => ({ ...r, devices: r.devices.filter((d) => kept.has(d)) })).filter((r) => r.devices.length > 0);
  });
  const devices = new Set(runs.flatMap((r) => r.devices));
  const { loadAverageBefore: _b, loadAverageAfter: _a, devicesRunAtOnce: _n, ...machine } = first.machine;
  return {
    ...first,
    machine,
    minutes: round(
      runs.reduce((n, r) => n + r.minutes, 0),
      1,
    ),
    runs,
    setup: {
      ...first.setup,
      devices: Object.fromEntries(parts.flatMap((p) => Object.entries(p.setup.devices)).filter(([d]) => devices.has(d))),
    },
    cells: [...cells.values()].map((c) => c.cell),
  };
}

/**
 * How many times slower than this run's device a device must be for a split to beat all-local, the
 * link and the pool unchanged, and which split: for each split route the head and the whole model
 * slow down together (the head's time taken as the cut's share of the FLOPs of the local median), the
 * transfer and the tail do not; the smallest slowdown over the cell's split routes. A projection from
 * the cell's measured medians, not a measurement.
 */
export function breakEvenSlowdown(cell: Cell, shares: Record<string, number> | undefined): { route: string; slowdown: number } | undefined {
  const local = cell.routes.find((r) => r.route === 'local')?.medianMs;
  if (local === undefined || !shares) return undefined;
  let best: { route: string; slowdown: number } | undefined;
  for (const r of cell.routes) {
    const share = shares[/^split@([^/]+)\//.exec(r.route)?.[1] ?? ''];
    if (share === undefined || share >= 1) continue;
    const head = local * share;
    const slowdown = Math.max(0, (r.medianMs - head) / (local - head));
    if (!best || slowdown < best.slowdown) best = { route: r.route, slowdown };
  }
  return best;
}

/**
 * Auto's choices in the timed rounds, each judged by its route's own median from the same rounds as
 * the oracle's (the quality of the choices apart from the noise of auto's own few runs): `ms` is their
 * mean, the time a caller can expect from auto's choices in this cell; `route` the one taken most
 * often; `worst` the slowest route it took at least once.
 */
export function choiceOf(cell: Cell): { route: string; ms: number; vsOracle: number; vsBestWhole: number; worst: { route: string; vsBestWhole: number } } {
  const medianOf = (route: string) => cell.routes.find((r) => r.route === route)?.medianMs ?? Number.NaN;
  const taken = Object.entries(cell.auto.picks).sort((a, b) => b[1] - a[1]);
  const count = taken.reduce((n, [, k]) => n + k, 0);
  const ms = count > 0 ? taken.reduce((sum, [route, k]) => sum + medianOf(route) * k, 0) / count : Number.NaN;
  const worst = taken.map(([route]) => route).reduce((a, b) => (medianOf(b) > medianOf(a) ? b : a), taken[0]?.[0] ?? 'none');
  return {
    route: taken[0]?.[0] ?? 'none',
    ms: round(ms, 1),
    vsOracle: round(ms / cell.oracle.ms, 3),
    vsBestWhole: round(ms / cell.bestWhole.ms, 3),
    worst: { route: worst, vsBestWhole: round(medianOf(worst) / cell.bestWhole.ms, 3) },
  };
}

/** Headline figures over all cells, as the report states them. */
export function headline(cells: Cell[]) {
  const n = cells.length;
  const within10 = cells.filter((c) => c.auto.vsOracle <= 1.1).length;
  const worse20 = cells.filter((c) => c.auto.vsBestWhole > 1.2);
  const coldCells = cells.filter((c) => c.cold);
  const coldWithin10 = coldCells.filter((c) => (c.cold?.vsOracle ?? Number.POSITIVE_INFINITY) <= 1.1).length;
  const coldWorse20 = coldCells.filter((c) => (c.cold?.vsBestWhole ?? 0) > 1.2);
  const wins = cells.filter((c) => c.splitWins);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const oracleSplit = cells.filter((c) => c.oracle.route.startsWith('split@'));
  const choices = cells.map(choiceOf);
  const choiceWithin10 = choices.filter((c) => c.vsOracle <= 1.1).length;
  const choiceIsOracle = cells.filter((c, i) => choices[i]?.route === c.oracle.route).length;
  return {
    cells: n,
    autoWithin10: within10,
    autoWithin10Share: round(within10 / Math.max(1, n), 3),
    autoWorseThanBestWholeBy20: worse20.length,
    autoWorstVsBestWhole: round(Math.max(...cells.map((c) => c.auto.vsBestWhole)), 3),
    choiceIsOracle,
    choiceWithin10,
    choiceWithin10Share: round(choiceWithin10 / Math.max(1, n), 3),
    choiceWorseThanBestWholeBy20: choices.filter((c) => c.vsBestWhole > 1.2).length,
    choiceWorstVsBestWhole: round(Math.max(...choices.map((c) => c.vsBestWhole)), 3),
    anyChoiceWorseThanBestWholeBy20: choices.filter((c) => c.worst.vsBestWhole > 1.2).length,
    coldCells: coldCells.length,
    coldWithin10,
    coldWorseThanBestWholeBy20: coldWorse20.length,
    splitWins: wins.length,
    splitWinsMeanOverCloud: round(mean(wins.map((c) => c.splitOverCloud ?? Number.NaN)), 2),
    splitWinsMeanOverBestWhole: round(mean(wins.map((c) => c.bestWhole.ms / (c.bestSplit?.ms ?? Number.NaN))), 2),
    splitWinsMaxOverBestWhole: round(Math.max(0, ...wins.map((c) => c.bestWhole.ms / (c.bestSplit?.ms ?? Number.NaN))), 2),
    bestSplitMeanOverCloudAllCells: round(mean(cells.filter((c) => c.splitOverCloud).map((c) => c.splitOverCloud as number)), 2),
    oracleIsSplit: oracleSplit.length,
  };
}

const fmt = (ms: number) => (Number.isFinite(ms) ? (ms < 10 ? ms.toFixed(2) : ms.toFixed(0)) : '-');
const kb = (b: number) => (b / 1024).toFixed(b < 10_240 ? 1 : 0);
const picks = (p: Record<string, number>) =>
  Object.entries(p)
    .map(([k, v]) => `${k} x${v}`)
    .join(', ');

/** Whether any two runs were going at the same time (each ends at its date, `minutes` after it began). */
function overlapping(runs: SplitRun[]): boolean {
  const spans = runs.map((r) => [Date.parse(r.date) - r.minutes * 60_000, Date.parse(r.date)] as const).sort((a, b) => a[0] - b[0]);
  return spans.some((s, i) => i > 0 && s[0] < (spans[i - 1] as readonly [number, number])[1]);
}

export function renderSplitReport(data: SplitReportData): string {
  const h = headline(data.cells);
  const lines: string[] = [
    `# Split bench (${String(data.machine.name)}, ${data.machine.date.slice(0, 10)})`,
    '',
    ...(data.runs
      ? [
          `Written by \`npm run bench:split -w @splitflow/bench\` in ${data.runs.length} runs, joined with \`--merge\` (where two runs timed the same cell, the later one's is kept); the 1-minute load at the start of each cell is in the table:`,
          '',
          ...data.runs.map(
            (r) =>
              `- finished ${r.date.slice(0, 16).replace('T', ' ')} UTC after ${r.minutes} min, devices ${r.devices.join(', ')}${r.devicesRunAtOnce ? ` (${r.devicesRunAtOnce} at once)` : ''}: load average (1, 5, 15 min) before ${JSON.stringify(r.loadAverageBefore)}, after ${JSON.stringify(r.loadAverageAfter)}.`,
          ),
          ...(overlapping(data.runs)
            ? ['', 'The runs overlapped in time: their devices, brokers and workers shared the two cores with each other (and with other work on the machine).']
            : []),
        ]
      : [
          `Written by \`npm run bench:split -w @splitflow/bench\` in ${data.minutes} min. Load average (1, 5, 15 min) before ${JSON.stringify(data.machine.loadAverageBefore)}, after ${JSON.stringify(data.machine.loadAverageAfter)}; the 1-minute load at the start of each cell is in the table.`,
        ]),
    '',
    `Cloud: ${data.setup.cloud}. Network: ${data.setup.shaping}`,
    '',
    `Caveat: ${data.setup.caveat}.`,
    '',
    ...(typeof data.machine.devicesRunAtOnce === 'number' || data.runs
      ? [
          `The devices of a run ran at the same time, each in its own process with its own broker, worker and shaped links (a cell spends most of its time waiting on the link); their compute contends for the same cores.`,
          '',
        ]
      : []),
    `Each cell: one fresh client; its first auto call is the router's cold choice; one warm-up run of every route; then rounds of every route in rotated order: at least ${data.setup.rounds}, and more (up to ${data.setup.maxRounds ?? data.setup.rounds}) while the cell has run under ${data.setup.cellSeconds ?? '-'} s, so cheap cells get more samples (the count is in the table). Times are medians of those rounds, measured at the caller (\`client.infer\` from call to result).`,
    '',
    '## Devices',
    '',
    ...Object.entries(data.setup.devices).map(([k, v]) => `- \`${k}\`: ${v}`),
    '',
    '## Networks',
    '',
    table(
      ['network', 'RTT ms', 'up Mbps', 'down Mbps', 'source'],
      Object.entries(data.setup.networks).map(([k, v]) => [k, v?.rttMs ?? '-', v?.upMbps ?? '-', v?.downMbps ?? '-', v?.source ?? '-']),
    ),
    '',
    '## Headline',
    '',
    `- Cells (model x device x network): ${h.cells}.`,
    `- Router's choices (warm: each timed auto run's route, judged by that route's median in the same rounds as the oracle, averaged over the cell's auto runs): the route taken most often is the oracle's in ${h.choiceIsOracle} of ${h.cells} cells; within 10% of the oracle in ${h.choiceWithin10} (${(h.choiceWithin10Share * 100).toFixed(1)}%; target 90%); worse than the better of all-local and all-cloud by more than 20% in ${h.choiceWorseThanBestWholeBy20} (target 0; worst ${h.choiceWorstVsBestWhole}x). Cells where at least one choice, on its own, was more than 20% worse than the better whole route: ${h.anyChoiceWorseThanBestWholeBy20}.`,
    `- Auto's own runs (timed like the fixed routes, decision included): within 10% of the oracle's median in ${h.autoWithin10} of ${h.cells} cells (${(h.autoWithin10Share * 100).toFixed(1)}%); worse than the better whole route by more than 20% in ${h.autoWorseThanBestWholeBy20} (worst ${h.autoWorstVsBestWhole}x). Where auto took the oracle's route this gap is the noise of a few runs on a loaded machine, plus the decision itself on sub-millisecond models (tiny, ocr-cls).`,
    `- Router cold (its first choice on a fresh client, judged by that route's median): within 10% of the oracle in ${h.coldWithin10} of ${h.coldCells} cells; worse than the better whole route by more than 20% in ${h.coldWorseThanBestWholeBy20}.`,
    `- A split beats both all-local and all-cloud in ${h.splitWins} of ${h.cells} cells${h.splitWins > 0 ? `: on average ${h.splitWinsMeanOverCloud}x faster than all-cloud and ${h.splitWinsMeanOverBestWhole}x faster than the better whole route (at most ${h.splitWinsMaxOverBestWhole}x)` : ''}. Neurosurgeon (ASPLOS'17) reported 3.1x lower latency than cloud-only on average (up to 40.7x), on a phone against a GPU server; here the best split of every cell is on average ${h.bestSplitMeanOverCloudAllCells}x the speed of all-cloud.`,
    `- The oracle is a split in ${h.oracleIsSplit} of ${h.cells} cells.`,
    '',
    'Per device (the same figures over its cells):',
    '',
    table(
      [
        'device',
        'cells',
        'choices within 10% of oracle',
        'choices > 20% worse than best whole',
        'a choice > 20% worse',
        'cold > 20% worse',
        'split beats both',
        'oracle',
      ],
      [...new Set(data.cells.map((c) => c.device))].map((device) => {
        const cells = data.cells.filter((c) => c.device === device);
        const d = headline(cells);
        const oracles: Record<string, number> = {};
        for (const c of cells) {
          const kind = c.oracle.route.startsWith('split@') ? 'split' : c.oracle.route;
          oracles[kind] = (oracles[kind] ?? 0) + 1;
        }
        return [
          device,
          d.cells,
          d.choiceWithin10,
          d.choiceWorseThanBestWholeBy20,
          d.anyChoiceWorseThanBestWholeBy20,
          d.coldWorseThanBestWholeBy20,
          d.splitWins,
          picks(oracles),
        ];
      }),
    ),
    '',
    '## Cells',
    '',
    "Medians in ms. `choices/oracle`: the mean, over auto's timed runs, of the median of the route each took, over the oracle's median; `auto runs`: the median of auto's own runs; `cold`: the router's first choice on a fresh client, judged by that route's median.",
    '',
    table(
      [
        'model',
        'device',
        'network',
        'rounds',
        'local',
        'cloud',
        'best split',
        'oracle',
        'auto took',
        'choices/oracle',
        'auto runs',
        'auto runs/oracle',
        'auto runs/best whole',
        'cold choice',
        'cold/oracle',
        'load 1m',
        'failures',
      ],
      data.cells.map((c) => [
        c.model,
        c.device,
        c.network,
        c.rounds,
        fmt(c.routes.find((r) => r.route === 'local')?.medianMs ?? Number.NaN),
        fmt(c.routes.find((r) => r.route === 'cloud')?.medianMs ?? Number.NaN),
        c.bestSplit ? `${c.bestSplit.route} ${fmt(c.bestSplit.ms)}${c.splitWins ? ' **wins**' : ''}` : '-',
        `${c.oracle.route} ${fmt(c.oracle.ms)}`,
        picks(c.auto.picks),
        choiceOf(c).vsOracle,
        fmt(c.auto.ms),
        c.auto.vsOracle,
        c.auto.vsBestWhole,
        c.cold?.choice ?? '-',
        c.cold?.vsOracle ?? '-',
        c.loadAverage1m,
        c.failures.length ? c.failures.map((f) => `${f.route}: ${f.code}`).join('; ') : 'none',
      ]),
    ),
    '',
    '## Splits that win',
    '',
  ];
  const wins = data.cells.filter((c) => c.splitWins);
  if (wins.length === 0) {
    lines.push('No split beat both all-local and all-cloud in any cell of this run.', '');
  } else {
    lines.push(
      table(
        [
          'model',
          'device',
          'network',
          'split',
          'split ms',
          'vs all-cloud',
          'vs all-local',
          'bytes up (KiB)',
          'all-cloud bytes up (KiB)',
          'share of all-cloud bytes',
        ],
        wins.map((c) => {
          const split = c.routes.find((r) => r.route === c.bestSplit?.route);
          const cloud = c.routes.find((r) => r.route === 'cloud');
          return [
            c.model,
            c.device,
            c.network,
            c.bestSplit?.route ?? '-',
            fmt(c.bestSplit?.ms ?? Number.NaN),
            `${c.splitOverCloud}x`,
            `${c.splitOverLocal}x`,
            kb(split?.upBytes ?? 0),
            kb(cloud?.upBytes ?? 0),
            round((split?.upBytes ?? 0) / Math.max(1, cloud?.upBytes ?? 0), 3),
          ];
        }),
      ),
      '',
    );
  }
  const share = data.setup.deviceShare;
  if (share) {
    const rows = data.cells
      .filter((c) => !c.splitWins && c.bestSplit)
      .map((c) => ({ c, even: breakEvenSlowdown(c, share[c.model]) }))
      .filter((r) => r.even !== undefined)
      .sort((a, b) => (a.even?.slowdown ?? 0) - (b.even?.slowdown ?? 0));
    const ms = (c: Cell, route: string) => fmt(c.routes.find((r) => r.route === route)?.medianMs ?? Number.NaN);
    lines.push(
      '## Where a split would win: a slower device (projection)',
      '',
      "Cells where no split beat all-local, with the device slowdown at which one would, on the same link and pool: for each split route the head and the whole model slow down together (the head's time taken as the cut's share of the FLOPs of the local median), the upload and the tail do not; the split that gets there first, and whether all-cloud (unchanged) is still slower at that point. Projected from the measured medians, not measured; the smallest first.",
      '',
      table(
        [
          'model',
          'device',
          'network',
          'split',
          'share of FLOPs on the device',
          'local ms',
          'split ms',
          'cloud ms',
          'device this many times slower',
          'all-cloud still slower there',
        ],
        rows.map(({ c, even }) => {
          const route = even?.route ?? '-';
          const cut = /^split@([^/]+)\//.exec(route)?.[1] ?? '';
          const local = c.routes.find((r) => r.route === 'local')?.medianMs ?? Number.NaN;
          const cloud = c.routes.find((r) => r.route === 'cloud')?.medianMs ?? Number.NaN;
          const slowdown = even?.slowdown ?? Number.NaN;
          return [
            c.model,
            c.device,
            c.network,
            route,
            share[c.model]?.[cut] ?? '-',
            ms(c, 'local'),
            ms(c, route),
            ms(c, 'cloud'),
            round(slowdown, 1),
            local * slowdown < cloud ? 'yes' : 'no',
          ];
        }),
      ),
      '',
    );
  }
  lines.push(
    '## Encodings: what crosses the wire and what the answer costs',
    '',
    "Per model, from its first cell: bytes sent over the link per request (HTTP framing included) against all-cloud's, and each route's answer against all-cloud's (onnxruntime-node fp32, the whole model): largest difference as a share of the largest output, and arg-max agreement per row (classes; per step for ocr-rec). Only encodings the manifest allows are run.",
    '',
  );
  const seen = new Set<string>();
  const rows: (string | number)[][] = [];
  for (const c of data.cells) {
    if (seen.has(c.model)) continue;
    seen.add(c.model);
    const cloudUp = c.routes.find((r) => r.route === 'cloud')?.upBytes ?? 0;
    for (const r of c.routes.filter((x) => x.route !== 'auto')) {
      rows.push([
        c.model,
        r.route,
        kb(r.upBytes),
        round(r.upBytes / Math.max(1, cloudUp), 3),
        r.maxError === undefined ? '-' : r.maxError.toExponential(2),
        r.top1Agreement === undefined ? '-' : round(r.top1Agreement, 3),
      ]);
    }
  }
  lines.push(table(['model', 'route', 'bytes up (KiB)', 'share of all-cloud', 'max error / max output', 'arg-max agreement'], rows), '');
  lines.push('## Why auto chose as it did (last timed auto run of each cell)', '');
  for (const c of data.cells) lines.push(`- ${c.model} / ${c.device} / ${c.network}: ${c.auto.reason ?? '-'}`);
  return lines.join('\n');
}
