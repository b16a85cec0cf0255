import type { RoutingMode, Tensor } from '@splitflow/contract';
import {
  audioFromBlob,
  classifyImage,
  createOcrPipeline,
  detectSpeech,
  imageFromBlob,
  imageFromVideo,
  openCamera,
  type Recording,
  type RgbaImage,
  recordMicrophone,
  type StageReport,
  VAD_SAMPLE_RATE,
} from '@splitflow/sdk/tasks';
import type { AppState } from '../app-state.js';
import { h } from '../dom.js';
import type { PipelineRecord, StageRecord } from '../session/field-session.js';
import { drawOcr, drawWaveform } from '../tasks/draw.js';
import { sha256Hex, stageRecords } from '../tasks/stage-records.js';
import { pageClient } from './page-client.js';

const MODES: readonly [RoutingMode, string][] = [
  ['auto', 'auto'],
  ['local-only', 'device'],
  ['cloud-only', 'cloud'],
];

function modeSelect(testId: string): HTMLSelectElement {
  return h('select', { 'data-testid': testId }, ...MODES.map(([value, label]) => h('option', { value }, label)));
}

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;

/** One row per stage: where each of its calls ran, on what, its share of the deadline and its time. */
function stagesTable(stages: readonly StageReport[], testId: string): HTMLTableElement {
  return h(
    'table',
    { 'data-testid': testId },
    h('tr', {}, ...['stage', 'model', 'ran', 'on', 'calls', 'budget', 'took', 'why'].map((c) => h('th', {}, c))),
    ...stages.map((s) => {
      const on = [
        ...new Set(
          s.calls.map((c) =>
            c.route.where === 'local' ? (c.route.backend ?? 'local') : [c.route.pool, c.route.hardware].filter(Boolean).join(' / ') || 'cloud',
          ),
        ),
      ];
      return h(
        'tr',
        { 'data-stage': s.stage },
        h('td', {}, s.stage),
        h('td', {}, s.model),
        h('td', { 'data-testid': `${testId}-${s.stage}-where` }, h('span', { class: s.where }, s.where)),
        h('td', {}, on.join(', ')),
        h('td', {}, `${s.calls.length} (${s.calls.reduce((n, c) => n + c.items, 0)} items)`),
        h('td', {}, fmt(s.budgetMs)),
        h('td', {}, fmt(s.elapsedMs)),
        h('td', { class: 'why' }, s.calls[0]?.route.reason ?? ''),
      );
    }),
  );
}

/** The raw tensors behind a result, one click away. */
function tensorsView(stages: readonly StageReport[], testId: string): HTMLElement {
  const row = (label: string, name: string, t: Tensor) => {
    const values = t.datatype === 'BYTES' ? [] : Array.from(t.data as ArrayLike<number | bigint>).slice(0, 8);
    return h(
      'tr',
      {},
      h('th', {}, label),
      h('td', {}, name),
      h('td', {}, `${t.datatype} [${t.shape.join(', ')}]`),
      h('td', {}, h('code', {}, values.map((v) => (typeof v === 'bigint' ? String(v) : Number(v).toPrecision(4))).join(', '))),
    );
  };
  const rows = stages.flatMap((s) =>
    s.calls.flatMap((c, i) => Object.entries(c.outputs).map(([name, t]) => row(`${s.stage}${s.calls.length > 1 ? ` #${i + 1}` : ''}`, name, t))),
  );
  return h('details', { 'data-testid': testId }, h('summary', {}, 'Raw tensors'), h('table', {}, ...rows));
}

interface Picture {
  image: RgbaImage;
  input: PipelineRecord['input'];
}

export async function renderTasksPage(root: HTMLElement, state: AppState): Promise<void> {
  const status = h('p', { 'data-testid': 'tasks-status', role: 'status' }, 'Starting the SDK...');
  root.replaceChildren(h('h2', {}, 'Real tasks'), status);
  const started = await pageClient(state, status);
  if (!started) return;
  const client = started;
  const say = (text: string, kind: 'ok' | 'error' | '' = '') => {
    status.textContent = text;
    status.className = kind;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  };
  const record = (model: string, mode: string, stages: StageRecord[], pipeline: PipelineRecord, totalMs: number, error?: { code: string; message: string }) => {
    const last = stages.at(-1)?.calls.at(-1);
    state.session.record({
      model,
      mode,
      input: `${pipeline.input.source}: ${pipeline.input.name}`,
      ok: !error,
      where: stages.length === 0 ? 'none' : [...new Set(stages.map((s) => s.where))].join('+'),
      backend: last?.backend || last?.pool || '',
      reason: stages.map((s) => `${s.stage}: ${s.calls[0]?.reason ?? ''}`).join(' | '),
      fallback: stages.flatMap((s) => s.calls.map((c) => c.fallback).filter(Boolean)).join('; '),
      totalMs,
      computeMs: null,
      queueMs: null,
      networkType: client.capabilities.network.effectiveType ?? '',
      rttMs: typeof client.capabilities.network.rttMs === 'number' ? client.capabilities.network.rttMs : null,
      errorCode: error?.code ?? '',
      errorMessage: error?.message ?? '',
      outputDigest: pipeline.result.slice(0, 120),
      stages,
      pipeline,
    });
    state.save();
  };
  const failure = (error: unknown) => ({ code: String((error as { code?: unknown }).code ?? 'INTERNAL'), message: String((error as Error).message ?? error) });

  // ---- Pictures: a photo from the camera or an image file, read (OCR) or classified.
  const detectMode = modeSelect('ocr-mode-detect');
  const orientMode = modeSelect('ocr-mode-orient');
  const recogniseMode = modeSelect('ocr-mode-recognise');
  const ocrBudget = h('input', { type: 'number', min: '100', step: '100', value: '5000', 'data-testid': 'ocr-budget' });
  const imageFile = h('input', { type: 'file', accept: 'image/*', capture: 'environment', 'data-testid': 'image-file' });
  const cameraButton = h('button', { type: 'button', 'data-testid': 'camera-open' }, 'Open camera');
  const shootButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'camera-shoot', disabled: true }, 'Take photo');
  const video = h('video', { playsinline: true, muted: true, class: 'preview', hidden: true });
  const readButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'ocr-run', disabled: true }, 'Read text');
  const classifyButton = h('button', { type: 'button', 'data-testid': 'classify-run', disabled: true }, 'Classify');
  const photo = h('canvas', { class: 'picture', 'data-testid': 'ocr-canvas' });
  const pictureOut = h('div', {});
  let picture: Picture | undefined;
  let camera: MediaStream | undefined;

  const setPicture = (p: Picture) => {
    picture = p;
    drawOcr(photo, p.image, []);
    readButton.disabled = false;
    classifyButton.disabled = false;
  };
  const rgbaBytes = (image: RgbaImage) => Uint8Array.from(image.data);

  imageFile.addEventListener('change', async () => {
    const file = imageFile.files?.[0];
    if (!file) return;
    try {
      const image = await imageFromBlob(file);
      setPicture({
        image,
        input: {
          source: 'file',
          name: file.name,
          bytes: file.size,
          sha256: await sha256Hex(await file.arrayBuffer()),
          width: image.width,
          height: image.height,
        },
      });
      say(`Loaded ${file.name} (${image.width}x${image.height}).`);
      await readText();
    } catch (error) {
      say(`Could not read the image: ${(error as Error).message}`, 'error');
    }
  });
  cameraButton.addEventListener('click', async () => {
    try {
      camera = await openCamera();
      video.srcObject = camera;
      video.hidden = false;
      await video.play();
      shootButton.disabled = false;
      say('Camera open: point it at some text and take a photo.');
    } catch (error) {
      say(`Could not open the camera: ${(error as Error).message}`, 'error');
    }
  });
  shootButton.addEventListener('click', async () => {
    try {
      const image = imageFromVideo(video);
      for (const track of camera?.getTracks() ?? []) track.stop();
      video.hidden = true;
      shootButton.disabled = true;
      setPicture({
        image,
        input: {
          source: 'camera',
          name: 'photo',
          bytes: image.data.byteLength,
          sha256: await sha256Hex(rgbaBytes(image)),
          width: image.width,
          height: image.height,
        },
      });
      await readText();
    } catch (error) {
      say(`Could not take the photo: ${(error as Error).message}`, 'error');
    }
  });

  async function readText(): Promise<void> {
    if (!picture) return;
    const modes = { detect: detectMode.value, orient: orientMode.value, recognise: recogniseMode.value };
    const latencyBudgetMs = Number(ocrBudget.value) || 5000;
    readButton.disabled = true;
    say('Reading text: detect, orient, recognise...');
    const started = performance.now();
    const base: Omit<PipelineRecord, 'result'> = { kind: 'ocr', latencyBudgetMs, input: picture.input };
    try {
      const result = await createOcrPipeline(client).run(picture.image, {
        latencyBudgetMs,
        stages: {
          detect: { mode: modes.detect as RoutingMode },
          orient: { mode: modes.orient as RoutingMode },
          recognise: { mode: modes.recognise as RoutingMode },
        },
      });
      drawOcr(photo, picture.image, result.lines);
      pictureOut.replaceChildren(
        h('h3', {}, `${result.lines.length} line${result.lines.length === 1 ? '' : 's'} of text`),
        h('ol', { 'data-testid': 'ocr-lines' }, ...result.lines.map((l) => h('li', { 'data-score': l.score.toFixed(3), 'data-angle': l.angle }, l.text))),
        stagesTable(result.stages, 'ocr-stages'),
        tensorsView(result.stages, 'ocr-tensors'),
      );
      record('ocr pipeline', Object.values(modes).join('/'), stageRecords(result.stages, modes), { ...base, result: result.text }, result.totalMs);
      say(`Read ${result.lines.length} line(s) in ${fmt(result.totalMs)}.`, 'ok');
    } catch (error) {
      const e = failure(error);
      record('ocr pipeline', Object.values(modes).join('/'), [], { ...base, result: '' }, performance.now() - started, e);
      say(`Reading failed: ${e.code}: ${e.message}`, 'error');
    } finally {
      readButton.disabled = false;
    }
  }
  readButton.addEventListener('click', () => void readText());

  const classifyMode = modeSelect('classify-mode');
  classifyButton.addEventListener('click', async () => {
    if (!picture) return;
    classifyButton.disabled = true;
    const started = performance.now();
    const base: Omit<PipelineRecord, 'result'> = { kind: 'classify', latencyBudgetMs: 5000, input: picture.input };
    try {
      const result = await classifyImage(client, picture.image, { k: 5, mode: classifyMode.value as RoutingMode, latencyBudgetMs: 5000 });
      pictureOut.replaceChildren(
        h('h3', {}, 'Top labels'),
        h(
          'ul',
          { 'data-testid': 'labels', class: 'labels' },
          ...result.labels.map((l) =>
            h(
              'li',
              { 'data-label': l.label },
              h('span', {}, `${l.label} ${(l.score * 100).toFixed(1)}%`),
              h('meter', { min: '0', max: '1', value: String(l.score) }),
            ),
          ),
        ),
        stagesTable(result.stages, 'classify-stages'),
        tensorsView(result.stages, 'classify-tensors'),
      );
      const summary = result.labels.map((l) => `${l.label} ${l.score.toFixed(3)}`).join(', ');
      record(
        'classify',
        classifyMode.value,
        stageRecords(result.stages, { classify: classifyMode.value }),
        { ...base, result: summary },
        performance.now() - started,
      );
      say(`Top label: ${result.labels[0]?.label ?? '-'}.`, 'ok');
    } catch (error) {
      const e = failure(error);
      record('classify', classifyMode.value, [], { ...base, result: '' }, performance.now() - started, e);
      say(`Classifying failed: ${e.code}: ${e.message}`, 'error');
    } finally {
      classifyButton.disabled = false;
    }
  });

  // ---- Sound: a microphone recording or an audio file, and where speech is.
  const vadMode = modeSelect('vad-mode');
  const audioFile = h('input', { type: 'file', accept: 'audio/*', 'data-testid': 'audio-file' });
  const recordButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'vad-record' }, 'Record');
  const stopButton = h('button', { type: 'button', 'data-testid': 'vad-stop', disabled: true }, 'Stop');
  const wave = h('canvas', { class: 'wave', 'data-testid': 'vad-canvas' });
  const soundOut = h('div', {});
  let recording: Recording | undefined;

  async function findSpeech(samples: Float32Array, input: PipelineRecord['input']): Promise<void> {
    const mode = vadMode.value as RoutingMode;
    say(`Finding speech in ${(samples.length / VAD_SAMPLE_RATE).toFixed(1)} s of sound...`);
    const started = performance.now();
    const base: Omit<PipelineRecord, 'result'> = {
      kind: 'vad',
      latencyBudgetMs: 32,
      input: { ...input, durationMs: (samples.length / VAD_SAMPLE_RATE) * 1000 },
    };
    try {
      // A recording is not live: each frame may take longer than the 32 ms it lasts.
      const result = await detectSpeech(client, samples, { mode, frameBudgetMs: 1000 });
      drawWaveform(wave, samples, result.segments, result.probabilities, VAD_SAMPLE_RATE);
      const elapsedMs = performance.now() - started;
      const sides = Object.entries(result.routes).filter(([, n]) => n > 0);
      const stage: StageReport = {
        stage: 'vad',
        model: 'vad',
        budgetMs: 1000,
        elapsedMs,
        where: sides.length === 1 ? (sides[0]?.[0] as 'local' | 'cloud') : 'mixed',
        calls: result.frames.map((f) => ({ items: 1, route: f.route, outputs: {} })),
      };
      soundOut.replaceChildren(
        h('h3', {}, `${result.segments.length} speech segment${result.segments.length === 1 ? '' : 's'}`),
        h(
          'ol',
          { 'data-testid': 'vad-segments' },
          ...result.segments.map((s) =>
            h(
              'li',
              { 'data-start': s.startMs.toFixed(0), 'data-end': s.endMs.toFixed(0) },
              `${(s.startMs / 1000).toFixed(2)} s to ${(s.endMs / 1000).toFixed(2)} s`,
            ),
          ),
        ),
        h(
          'p',
          { 'data-testid': 'vad-routes' },
          `${result.frames.length} frames of 32 ms: ${result.routes.local} on the device, ${result.routes.cloud} in the cloud; the recurrent state travels with every frame.`,
        ),
        h(
          'details',
          { 'data-testid': 'vad-tensors' },
          h('summary', {}, 'Raw tensors'),
          h('pre', {}, `output (speech probability) per frame:\n${result.probabilities.map((p) => p.toFixed(3)).join(' ')}`),
        ),
      );
      const [first] = stageRecords([stage], { vad: mode });
      const compact: StageRecord[] = first ? [{ ...first, calls: first.calls.slice(0, 3) }] : [];
      const summary = result.segments.map((s) => `${(s.startMs / 1000).toFixed(2)}-${(s.endMs / 1000).toFixed(2)}s`).join(', ') || 'no speech';
      record('vad stream', mode, compact, { ...base, result: `${summary}; frames local ${result.routes.local}, cloud ${result.routes.cloud}` }, elapsedMs);
      say(`Found ${result.segments.length} speech segment(s).`, 'ok');
    } catch (error) {
      const e = failure(error);
      record('vad stream', mode, [], { ...base, result: '' }, performance.now() - started, e);
      say(`Finding speech failed: ${e.code}: ${e.message}`, 'error');
    }
  }

  audioFile.addEventListener('change', async () => {
    const file = audioFile.files?.[0];
    if (!file) return;
    try {
      const samples = await audioFromBlob(file);
      await findSpeech(samples, { source: 'file', name: file.name, bytes: file.size, sha256: await sha256Hex(await file.arrayBuffer()) });
    } catch (error) {
      say(`Could not read the sound: ${(error as Error).message}`, 'error');
    }
  });
  recordButton.addEventListener('click', async () => {
    try {
      recording = await recordMicrophone(15_000, (ms) => say(`Recording: ${(ms / 1000).toFixed(1)} s; speak, then press Stop.`));
      recordButton.disabled = true;
      stopButton.disabled = false;
      say('Recording: speak, then press Stop.');
      const { samples, blob } = await recording.done;
      recordButton.disabled = false;
      stopButton.disabled = true;
      await findSpeech(samples, { source: 'microphone', name: 'recording', bytes: blob.size, sha256: await sha256Hex(await blob.arrayBuffer()) });
    } catch (error) {
      recordButton.disabled = false;
      stopButton.disabled = true;
      say(`Could not record: ${(error as Error).message}`, 'error');
    }
  });
  stopButton.addEventListener('click', () => recording?.stop());

  const picked = (label: string, ...children: Node[]) => h('label', {}, label, ...children);
  root.replaceChildren(
    h('h2', {}, 'Real tasks'),
    status,
    h(
      'section',
      { class: 'card' },
      h('h3', {}, 'Pictures: read text, or classify'),
      h('div', { class: 'row' }, cameraButton, shootButton, picked('or a file ', imageFile)),
      video,
      h(
        'div',
        { class: 'row' },
        picked('detect ', detectMode),
        picked('orient ', orientMode),
        picked('recognise ', recogniseMode),
        picked('deadline ms ', ocrBudget),
        readButton,
      ),
      h('div', { class: 'row' }, picked('classify ', classifyMode), classifyButton),
      photo,
      pictureOut,
    ),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, 'Sound: where is speech?'),
      h('div', { class: 'row' }, recordButton, stopButton, picked('or a file ', audioFile), picked('route ', vadMode)),
      wave,
      soundOut,
    ),
  );
  say('Take a photo of some text, choose an image or a sound file, or record the microphone.');
}
