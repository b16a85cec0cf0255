import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RunRecord } from './session/field-session.js';

/** Latency per route over the session: one series each for local, cloud and split runs. */
export function createLatencyChart(parent: HTMLElement): { update(runs: readonly RunRecord[]): void } {
  const width = () => Math.max(280, Math.min(parent.clientWidth || 600, 900));
  const plot = new uPlot(
    {
      width: width(),
      height: 220,
      scales: { x: { time: false } },
      axes: [
        { label: 'run', stroke: '#94a3b8', grid: { stroke: '#334155' }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] },
        { label: 'ms', stroke: '#94a3b8', grid: { stroke: '#334155' } },
      ],
      series: [
        { label: 'run' },
        { label: 'local', stroke: '#38bdf8', width: 2, points: { show: true }, spanGaps: true },
        { label: 'cloud', stroke: '#fb923c', width: 2, points: { show: true }, spanGaps: true },
        { label: 'split', stroke: '#a3e635', width: 2, points: { show: true }, spanGaps: true },
      ],
    },
    [[], [], [], []],
    parent,
  );
  addEventListener('resize', () => plot.setSize({ width: width(), height: 220 }));
  return {
    update(runs) {
      const ok = runs.filter((r) => r.ok);
      const series = (where: string) => ok.map((r) => (r.where === where ? r.totalMs : null));
      plot.setData([ok.map((r) => r.seq), series('local'), series('cloud'), series('split')]);
    },
  };
}
