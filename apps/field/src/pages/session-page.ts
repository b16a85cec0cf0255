import type { AppState } from '../app-state.js';
import { download, h } from '../dom.js';

export function renderSessionPage(root: HTMLElement, state: AppState): void {
  const runs = state.session.runs;
  const head = ['#', 'model', 'mode', 'ran', 'on', 'total ms', 'fallback', 'error'];
  const rows = runs.map((r) =>
    h(
      'tr',
      { 'data-seq': r.seq },
      ...[String(r.seq), r.model, r.mode, r.where, r.backend, r.totalMs.toFixed(2), r.fallback, r.errorCode].map((v) => h('td', {}, v)),
    ),
  );
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');
  const exportJson = h('button', { type: 'button', 'data-testid': 'export-json' }, 'Export JSON');
  exportJson.addEventListener('click', () =>
    download(
      `splitflow-session-${stamp()}.json`,
      'application/json',
      state.session.toJSON({ device: state.profile() ?? null, userAgent: navigator.userAgent }),
    ),
  );
  const exportCsv = h('button', { type: 'button', 'data-testid': 'export-csv' }, 'Export CSV');
  exportCsv.addEventListener('click', () => download(`splitflow-session-${stamp()}.csv`, 'text/csv', state.session.toCSV()));
  const clear = h('button', { type: 'button', 'data-testid': 'clear' }, 'Clear');
  clear.addEventListener('click', () => {
    state.session.clear();
    state.save();
    renderSessionPage(root, state);
  });
  root.replaceChildren(
    h('h2', {}, `Field session (${runs.length} run${runs.length === 1 ? '' : 's'})`),
    h('div', { class: 'row' }, exportJson, exportCsv, clear),
    h(
      'div',
      { class: 'card' },
      runs.length === 0
        ? 'No runs yet: make some on the Run page.'
        : h('table', { 'data-testid': 'session-table' }, h('tr', {}, ...head.map((c) => h('th', {}, c))), ...rows),
    ),
  );
}
