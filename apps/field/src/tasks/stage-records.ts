import type { StageReport } from '@splitflow/sdk/tasks';
import type { StageRecord } from '../session/field-session.js';

/** A pipeline's stage reports as session records: every call's route, without the tensors. */
export function stageRecords(stages: readonly StageReport[], modes: Readonly<Record<string, string>> = {}): StageRecord[] {
  return stages.map((s) => ({
    stage: s.stage,
    model: s.model,
    where: s.where,
    mode: modes[s.stage] ?? 'auto',
    budgetMs: round(s.budgetMs),
    elapsedMs: round(s.elapsedMs),
    calls: s.calls.map((c) => ({
      items: c.items,
      where: c.route.where,
      backend: c.route.backend ?? '',
      pool: c.route.pool ?? '',
      totalMs: round(c.route.timings.totalMs),
      reason: c.route.reason,
      fallback: c.route.fallback ? `${c.route.fallback.from}: ${c.route.fallback.code}` : '',
    })),
  }));
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** SHA-256 of an input's bytes, hex: the same file can be found again for a replay. */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  if (!globalThis.crypto?.subtle) return '';
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
