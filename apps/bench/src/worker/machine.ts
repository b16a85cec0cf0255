import { cpus, totalmem } from 'node:os';

/** What the figures were measured on; benchmark numbers mean little without it. */
export function describeMachine(extra: Record<string, unknown> = {}) {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    ...extra,
  };
}
