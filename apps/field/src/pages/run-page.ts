import type { ModelManifest, NamedTensor, RoutingMode, Tensor } from '@splitflow/contract';
import type { InferResult } from '@splitflow/sdk';
import type { AppState } from '../app-state.js';
import { createLatencyChart } from '../chart.js';
import { h, table } from '../dom.js';
import { digest, type InputKind, inputKinds, makeInputs } from '../inputs.js';

/** The three ways a person can run a model, and the SDK mode each maps to. */
export const RUN_MODES: readonly { id: string; label: string; mode: RoutingMode }[] = [
  { id: 'auto', label: 'Auto', mode: 'auto' },
  { id: 'local', label: 'Local', mode: 'local-only' },
  { id: 'cloud', label: 'Cloud', mode: 'cloud-only' },
];

const fmt = (ms: number | undefined) => (ms === undefined ? '-' : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);

function routeTable(result: InferResult): HTMLTableElement {
  const r = result.route;
  const t = r.timings;
  return table(
    [
      ['ran', h('span', { class: r.where, 'data-testid': 'route-where' }, r.where)],
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
  let client: Awaited<ReturnType<AppState['client']>>;
  try {
    client = await state.client();
  } catch (error) {
    status.className = 'error';
    status.setAttribute('role', 'alert');
    status.textContent = `Could not start the SDK: ${(error as Error).message}`;
    return;
  }
  const models = client.catalog.models;
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
  const fillKinds = () => kindSelect.replaceChildren(...inputKinds(manifest()).map((k) => h('option', { value: k }, k)));
  modelSelect.addEventListener('change', fillKinds);
  fillKinds();
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
  };
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
        const out = await client.infer(m.id, byName, { mode: choice.mode });
        const named = Object.entries(out.outputs).map(([name, t]) => ({ name, ...t }) as NamedTensor);
        state.session.record({
          model: m.id,
          mode: choice.id,
          input: kind,
          ok: true,
          where: out.route.where,
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
        status.textContent = `Done: ${m.id} ran ${out.route.where === 'local' ? 'on this device' : 'in the cloud'} in ${fmt(out.route.timings.totalMs)}.`;
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
