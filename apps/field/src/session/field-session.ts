/**
 * The field session: every run made in the app, with the device and network it ran on, so people can
 * send results from the field as JSON or CSV. Pure: storage and downloads are the caller's business.
 */
export interface RunRecord {
  seq: number;
  at: string;
  model: string;
  /** The mode the person chose: auto, local or cloud. */
  mode: string;
  input: string;
  ok: boolean;
  /** local | cloud | split (where it finally ran), or none when it failed everywhere. */
  where: string;
  /** The cut of a split run (empty otherwise), and where its tail ran: `maxpool uint8 (tail: cloud)`. */
  cut?: string;
  backend: string;
  reason: string;
  /** Set when the first route failed and another answered. */
  fallback: string;
  totalMs: number;
  computeMs: number | null;
  queueMs: number | null;
  networkType: string;
  rttMs: number | null;
  errorCode: string;
  errorMessage: string;
  /** A short, comparable digest of the outputs (first values of the first output). */
  outputDigest: string;
  /** Pipeline runs: every stage with the route it took, so the run can be replayed (see `replayStages`). */
  stages?: StageRecord[];
  /** Pipeline runs: what was run on what, to run it again. */
  pipeline?: PipelineRecord;
}

/** One stage of a pipeline run as it happened. */
export interface StageRecord {
  stage: string;
  model: string;
  /** local | cloud | mixed (calls of the stage ran on both sides). */
  where: string;
  /** The routing mode the person asked for this stage (auto, local-only, cloud-only ...). */
  mode: string;
  budgetMs: number;
  elapsedMs: number;
  calls: { items: number; where: string; backend: string; pool: string; totalMs: number; reason: string; fallback: string }[];
}

export interface PipelineRecord {
  kind: 'ocr' | 'vad' | 'classify';
  latencyBudgetMs: number;
  /** The input's name, size and SHA-256, to find the same file for a replay. */
  input: { source: string; name: string; bytes: number; sha256: string; width?: number; height?: number; durationMs?: number };
  /** Task output in brief: the text read, the segments found, the top labels. */
  result: string;
}

export const CSV_COLUMNS: readonly (keyof RunRecord)[] = [
  'seq',
  'at',
  'model',
  'mode',
  'input',
  'ok',
  'where',
  'cut',
  'backend',
  'reason',
  'fallback',
  'totalMs',
  'computeMs',
  'queueMs',
  'networkType',
  'rttMs',
  'errorCode',
  'errorMessage',
  'outputDigest',
  'stages',
];

/** Stages in one CSV cell: `detect:local/wasm 120ms;recognise:cloud/cpu-pool x2 340ms`. */
export function stagesCell(stages: readonly StageRecord[] | undefined): string {
  if (!stages) return '';
  return stages
    .map((s) => {
      const on = [...new Set(s.calls.map((c) => `${c.where}/${c.where === 'local' ? c.backend : c.pool || c.backend}`))].join('+');
      return `${s.stage}:${on}${s.calls.length > 1 ? ` x${s.calls.length}` : ''} ${s.elapsedMs.toFixed(0)}ms`;
    })
    .join(';');
}

/**
 * The per-stage routing that replays a pipeline run: each stage pinned to the side it ran on
 * (a stage that ran on both sides is left to the router).
 */
export function replayStages(record: Pick<RunRecord, 'stages'>): Record<string, { mode: 'local-only' | 'cloud-only' | 'auto' }> {
  const out: Record<string, { mode: 'local-only' | 'cloud-only' | 'auto' }> = {};
  for (const s of record.stages ?? []) out[s.stage] = { mode: s.where === 'local' ? 'local-only' : s.where === 'cloud' ? 'cloud-only' : 'auto' };
  return out;
}

export interface FieldSession {
  readonly startedAt: string;
  readonly runs: readonly RunRecord[];
  record(run: Omit<RunRecord, 'seq' | 'at'>, at?: Date): RunRecord;
  toJSON(extra?: Record<string, unknown>): string;
  toCSV(): string;
  clear(): void;
}

export function createFieldSession(start: Date = new Date(), restore: RunRecord[] = []): FieldSession {
  const runs: RunRecord[] = [...restore];
  return {
    startedAt: start.toISOString(),
    get runs() {
      return runs;
    },
    record(run, at = new Date()) {
      const record: RunRecord = { seq: (runs.at(-1)?.seq ?? 0) + 1, at: at.toISOString(), ...run };
      runs.push(record);
      return record;
    },
    toJSON(extra = {}) {
      return JSON.stringify({ format: 'splitflow-field-session/1', startedAt: this.startedAt, exportedAt: new Date().toISOString(), ...extra, runs }, null, 2);
    },
    toCSV() {
      const lines = [CSV_COLUMNS.join(',')];
      for (const run of runs) lines.push(CSV_COLUMNS.map((c) => csvCell(c === 'stages' ? stagesCell(run.stages) : run[c])).join(','));
      return `${lines.join('\r\n')}\r\n`;
    },
    clear() {
      runs.length = 0;
    },
  };
}

/** RFC 4180: quote cells holding a comma, quote, CR or LF; double the quotes inside. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
