import type { NamedTensor } from '@splitflow/contract';
import type { InferResult, ModelManifest, RoutingMode, Tensor } from '@splitflow/sdk';
import type { AppState } from '../app-state.js';
import { createLatencyChart } from '../chart.js';
import { h, table } from '../dom.js';
import { digest, type InputKind, inputKinds, makeInputs } from '../inputs.js';
import { pageClient } from './page-client.js';

/** The ways a person can run a model, and the SDK mode each maps to (Split: the fastest cut, head here, tail in the pool). */
export const RUN_MODES: readonly { id: string; label: string; mode: RoutingMode; split?: true }[] = [
  { id: 'auto', label: 'Auto', mode: 'auto' },
  { id: 'local', label: 'Local', mode: 'local-only' },
  { id: 'cloud', label: 'Cloud', mode: 'cloud-only' },
  { id: 'split', label: 'Split', mode: 'auto', split: true },
];

const fmt = (ms: number | undefined) => (ms === undefined ? '-' : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Head on the device, upload, tail in the pool (or here), download: what a split did, with the router's estimate beside it. */
function splitRows(result: InferResult): [string, string | HTMLElement][] {
  const s = result.route.split;
  if (!s) return [];
  const t = result.route.timings;
  const e = result.route.decision.split;
  const est = e ? ` (estimated ${fmt(e.headMs)})` : '';
  return [
    ['cut', h('span', { 'data-testid': 'route-cut' }, `${s.cut}, ${s.encoding} on the wire, tail model ${s.tail}`)],
    ['head on device', `${fmt(s.headMs)}${est}`],
    [
      'upload',
      h(
        'span',
        { 'data-testid': 'route-upload' },
        `${kib(s.uploadBytes)} ${s.encoding}${s.tailWhere === 'cloud' ? `, with the download ${fmt(t.networkMs)} on the network${e ? ` (estimated ${fmt(e.networkMs)})` : ''}` : ', not delivered'}`,
      ),
    ],
    [
      'tail',
      h(
        'span',
        { 'data-testid': 'route-tail' },
        s.tailWhere === 'cloud'
          ? `in the pool ${[result.route.pool, result.route.hardware].filter(Boolean).join(' / ')}: queue ${fmt(t.queueMs)}, compute ${fmt(t.computeMs)}`
          : `on this device (${fmt(s.tailLocalMs)}): the pool failed (${s.tailFailed?.code ?? '?'})`,
      ),
    ],
  ];
}

function routeTable(result: InferResult): HTMLTableElement {
  const r = result.route;
  const t = r.timings;
  return table(
    [
      ['ran', h('span', { class: r.where, 'data-testid': 'route-where' }, r.where)],
      ...splitRows(result),
      ['on', r.where === 'local' ? `${r.backend ?? '?'} (${r.thread ?? '?'})` : [r.pool, r.hardware].filter(Boolean).join(' / ') || 'cloud'],
      ['why', h('span', { 'data-testid': 'route-reason' }, r.reason)],
      ['fallback', r.fallback ? h('span', { 'data-testid': 'route-fallback' }, `from ${r.fallback.from}: ${r.fallback.code}: ${r.fallback.message}`) : 'none'],
      ['total', fmt(t.totalMs)],
      ['compute', fmt(t.computeMs)],
      ['queue', fmt(t.queueMs)],
      ['network', fmt(t.networkMs)],
      ['download / compile', `${fmt(t.downloadMs)} / ${fmt(t.compileMs)}`],
      ['cost', r.costUsd === undefined ? '-' : `$${r.costUsd.toExponential(2)}`],
    ],
    'route-table',
  );
}

function outputsView(outputs: Record<string, Tensor>): HTMLElement {
  const rows = Object.entries(outputs).map(([name, t]) => {
    const values = t.datatype === 'BYTES' ? [] : Array.from(t.data as ArrayLike<number | bigint>).slice(0, 8);
    return h(
      'tr',
      {},
      h('th', {}, name),
      h('td', {}, `${t.datatype} [${t.shape.join(', ')}]`),
      h('td', {}, h('code', {}, values.map((v) => (typeof v === 'bigint' ? String(v) : Number(v).toPrecision(5))).join(', '))),
    );
  });
  // Every value of the first output, at full precision, for people who compare routes by hand (and the e2e suite).
  const [first] = Object.values(outputs);
  const all =
    first && first.datatype !== 'BYTES'
      ? Array.from(first.data as ArrayLike<number | bigint>)
          .slice(0, 4096)
          .map((v) => (typeof v === 'bigint' ? Number(v) : v))
      : [];
  return h(
    'div',
    {},
    h('table', { 'data-testid': 'outputs' }, ...rows),
    h('details', {}, h('summary', {}, 'All values of the first output'), h('pre', { 'data-testid': 'outputs-json' }, JSON.stringify(all))),
  );
}

export async function renderRunPage(root: HTMLElement, state: AppState): Promise<void> {
  const status = h('p', { 'data-testid': 'run-status', role: 'status' }, 'Loading the catalog...');
  root.replaceChildren(h('h2', {}, 'Run a model'), status);
  const started = await pageClient(state, status);
  if (!started) return;
  const client = started;
  // Tails of cuts are models for the pool, not for people to pick.
  const models = client.catalog.models.filter((m) => !m.tailOf);
  const modelSelect = h(
    'select',
    { 'data-testid': 'model' },
    ...models.map((m) => h('option', { value: m.id }, `${m.id} (${m.task}, ${(m.files.reduce((n, f) => n + f.bytes, 0) / 2 ** 20).toFixed(1)} MiB)`)),
  );
  const kindSelect = h('select', { 'data-testid': 'input-kind' });
  const seedInput = h('input', { type: 'number', value: '1', min: '0', 'data-testid': 'seed', style: 'width:6em' });
  const progress = h('span', { 'data-testid': 'progress' });
  const result = h('div', { class: 'card', 'data-testid': 'result' }, 'No run yet.');
  const chartBox = h('div', { class: 'card', 'data-testid': 'chart' });
  const manifest = (): ModelManifest => models.find((m) => m.id === modelSelect.value) as ModelManifest;
  const fillKinds = () => {
    kindSelect.replaceChildren(...inputKinds(manifest()).map((k) => h('option', { value: k }, k)));
    const split = buttons.find((b) => b.dataset.mode === 'split');
    if (manifest().cutPoints?.length) split?.removeAttribute('disabled');
    else split?.setAttribute('disabled', '');
  };
  client.on('progress', (p) => {
    progress.textContent =
      p.phase === 'download' ? `downloading ${p.model ?? ''} ${p.total ? Math.round((100 * p.loaded) / p.total) : 0}%` : `${p.phase} ${p.model ?? ''}`;
  });

  const buttons = RUN_MODES.map((m) =>
    h('button', { type: 'button', class: m.id === 'auto' ? 'primary' : '', 'data-testid': `run-${m.id}`, 'data-mode': m.id }, m.label),
  );
  const setBusy = (busy: boolean) => {
    for (const b of buttons) {
      if (busy) b.setAttribute('disabled', '');
      else b.removeAttribute('disabled');
    }
    if (!busy) fillKinds();
  };
  modelSelect.addEventListener('change', fillKinds);
  fillKinds();
  const chart = createLatencyChart(chartBox);
  chart.update(state.session.runs);

  for (const button of buttons) {
    button.addEventListener('click', async () => {
      const choice = RUN_MODES.find((m) => m.id === button.dataset.mode)!;
      const m = manifest();
      const kind = kindSelect.value as InputKind;
      const inputs: NamedTensor[] = makeInputs(m, kind, { seed: Number(seedInput.value) || 1 });
      const byName = Object.fromEntries(inputs.map(({ name, ...t }) => [name, t as Tensor]));
      const profile = client.capabilities;
      setBusy(true);
      status.className = '';
      status.textContent = `Running ${m.id} (${choice.label})...`;
      const started = performance.now();
      try {
        const out = await client.infer(m.id, byName, { mode: choice.mode, ...(choice.split ? { split: true as const } : {}) });
        const named = Object.entries(out.outputs).map(([name, t]) => ({ name, ...t }) as NamedTensor);
        state.session.record({
          model: m.id,
          mode: choice.id,
          input: kind,
          ok: true,
          where: out.route.where,
          cut: out.route.split ? `${out.route.split.cut} ${out.route.split.encoding} (tail: ${out.route.split.tailWhere})` : '',
          backend: out.route.where === 'local' ? (out.route.backend ?? '') : [out.route.pool, out.route.hardware].filter(Boolean).join('/'),
          reason: out.route.reason,
          fallback: out.route.fallback ? `${out.route.fallback.from}: ${out.route.fallback.code}` : '',
          totalMs: out.route.timings.totalMs,
          computeMs: out.route.timings.computeMs ?? null,
          queueMs: out.route.timings.queueMs ?? null,
          networkType: String(profile.network.effectiveType),
          rttMs: typeof profile.network.rttMs === 'number' ? profile.network.rttMs : null,
          errorCode: '',
          errorMessage: '',
          outputDigest: digest(named),
        });
        const where =
          out.route.where === 'local'
            ? 'on this device'
            : out.route.where === 'cloud'
              ? 'in the cloud'
              : out.route.split?.tailWhere === 'local'
                ? `as a split at ${out.route.split.cut}, and finished on this device because the pool failed (${out.route.split.tailFailed?.code ?? '?'})`
                : `as a split at ${out.route.split?.cut}: head on this device, tail in the pool`;
        status.textContent = `Done: ${m.id} ran ${where} in ${fmt(out.route.timings.totalMs)}.`;
        result.replaceChildren(routeTable(out), h('h3', {}, 'Outputs'), outputsView(out.outputs));
      } catch (error) {
        const e = error as { code?: string; message?: string };
        state.session.record({
          model: m.id,
          mode: choice.id,
          input: kind,
          ok: false,
          where: 'none',
          backend: '',
          reason: '',
          fallback: '',
          totalMs: performance.now() - started,
          computeMs: null,
          queueMs: null,
          networkType: String(profile.network.effectiveType),
          rttMs: typeof profile.network.rttMs === 'number' ? profile.network.rttMs : null,
          errorCode: e.code ?? 'UNKNOWN',
          errorMessage: e.message ?? String(error),
          outputDigest: '',
        });
        status.className = 'error';
        status.textContent = '';
        result.replaceChildren(h('p', { class: 'error', role: 'alert', 'data-testid': 'run-error' }, `${e.code ?? 'ERROR'}: ${e.message ?? String(error)}`));
      } finally {
        state.save();
        chart.update(state.session.runs);
        progress.textContent = '';
        setBusy(false);
      }
    });
  }

  status.textContent = 'Pick a model and an input, then run it: Auto lets Splitflow choose the route.';
  root.append(
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'Model', h('br'), modelSelect),
        h('label', {}, 'Input', h('br'), kindSelect),
        h('label', {}, 'Seed', h('br'), seedInput),
      ),
      h('div', { class: 'row', style: 'margin-top:8px' }, ...buttons, progress),
    ),
    result,
    h('h3', {}, 'Latency per route'),
    chartBox,
  );
}
