// Pipeline bench: the OCR pipeline (detect -> orient -> recognise) and the VAD stream, each stage
// routed on its own, against every stage on one side. The device is the SDK in this process
// (onnxruntime-web, wasm, main thread); the cloud is a real broker and CPU worker as child processes
// on loopback. Scenarios are interleaved round by round so drift on a busy machine hits all alike.
//
// Run: node --conditions=source --import tsx apps/bench/src/tasks/pipeline-bench.ts [--rounds 5] [--out apps/bench/results]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelCatalog, RoutingMode } from '@splitflow/contract';
import { createClient } from '@splitflow/sdk';
import { createOcrPipeline, decodeWav, detectSpeech, resample, type StageReport, toMono } from '@splitflow/sdk/tasks';
import { createMemoryCacheStorage } from '@splitflow/test-fixtures/memory-cache';
import { startBrokerInFront, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { renderText } from '@splitflow/test-fixtures/render-text';
import { speechWav } from '@splitflow/test-fixtures/speech';
import { startStaticServer } from '@splitflow/test-fixtures/static-server';
import { describeMachine } from '../worker/machine.js';
import { table, writeReport } from '../worker/report.js';
import { round, summarize } from '../worker/stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    'vad-rounds': { type: 'string', default: '3' },
    out: { type: 'string', default: 'apps/bench/results' },
    machine: { type: 'string', default: '2-core shared VM' },
  },
});
const rounds = Number(values.rounds);
const vadRounds = Number(values['vad-rounds']);
const ROOT = resolve(import.meta.dirname, '../../../..');
const MODELS = join(ROOT, 'models');

type Modes = { detect: RoutingMode; orient: RoutingMode; recognise: RoutingMode };
const OCR_SCENARIOS: Record<string, Modes> = {
  'all local': { detect: 'local-only', orient: 'local-only', recognise: 'local-only' },
  'all cloud': { detect: 'cloud-only', orient: 'cloud-only', recognise: 'cloud-only' },
  'detect local, orient + recognise cloud': { detect: 'local-only', orient: 'cloud-only', recognise: 'cloud-only' },
  'detect cloud, orient + recognise local': { detect: 'cloud-only', orient: 'local-only', recognise: 'local-only' },
  'auto (each stage routed on its own)': { detect: 'auto', orient: 'auto', recognise: 'auto' },
};
const VAD_SCENARIOS: Record<string, RoutingMode> = { 'all local': 'local-only', 'all cloud': 'cloud-only', auto: 'auto' };
const PAGE = ['Split inference', 'Order 4711 ships 2026-12-01', 'edge and cloud', 'The quick brown fox jumps', 'over the lazy dog 0123456789', 'total 93.40'];

async function main(): Promise<void> {
  const catalogPath = join(MODELS, 'catalog.json');
  const worker = await startCli(WORKER_CLI, ['--models', catalogPath, '--serve', 'ocr-det,ocr-cls,ocr-rec,vad', '--port', '0']);
  const broker = await startBrokerInFront({ catalogPath, workerUrl: worker.url, models: ['ocr-det', 'ocr-cls', 'ocr-rec', 'vad'], maxConcurrency: 8 });
  const files = await startStaticServer(join(MODELS, 'build'));
  const client = await createClient({
    catalog: JSON.parse(readFileSync(catalogPath, 'utf8')) as ModelCatalog,
    modelBaseUrl: files.url,
    broker: broker.url,
    worker: false,
    caches: createMemoryCacheStorage(),
    probe: { benchmarkMs: 5 },
    policy: { minDeviceGflops: 0 },
  });
  try {
    const image = renderText(
      860,
      60 + PAGE.length * 70,
      PAGE.map((text, i) => ({ text, x: 24, y: 50 + i * 70, size: 30 })),
    );
    const ocr = createOcrPipeline(client);
    type Sample = { totalMs: number; stages: StageReport[]; text: string };
    const ocrSamples = new Map<string, Sample[]>(Object.keys(OCR_SCENARIOS).map((k) => [k, []]));
    const ocrFailures = new Map<string, string[]>();
    // One warm-up round: downloads, session compiles, the worker's first runs.
    for (let r = -1; r < rounds; r++) {
      for (const [name, modes] of Object.entries(OCR_SCENARIOS)) {
        try {
          const result = await ocr.run(image, {
            latencyBudgetMs: 60_000,
            stages: { detect: { mode: modes.detect }, orient: { mode: modes.orient }, recognise: { mode: modes.recognise } },
          });
          if (r >= 0) ocrSamples.get(name)?.push({ totalMs: result.totalMs, stages: result.stages, text: result.text });
        } catch (error) {
          // A missed deadline is a result, not a crash.
          if (r >= 0) ocrFailures.set(name, [...(ocrFailures.get(name) ?? []), String((error as { code?: string }).code ?? error)]);
        }
      }
      console.error(`ocr round ${r + 1}/${rounds}`);
    }

    const recorded = decodeWav(speechWav('Split inference runs on the device and in the cloud.', { rate: 22050, padSeconds: 0.5 }));
    const speech = resample(toMono(recorded.channels), recorded.sampleRate, 16000);
    // A recording, not a live stream: each frame may take up to a second; how many frames would have
    // missed a live microphone's 32 ms is counted.
    const vadSamples = new Map<string, { totalMs: number; frames: number; local: number; cloud: number; segments: number; over32: number }[]>(
      Object.keys(VAD_SCENARIOS).map((k) => [k, []]),
    );
    const vadFailures = new Map<string, string[]>();
    for (let r = -1; r < vadRounds; r++) {
      for (const [name, mode] of Object.entries(VAD_SCENARIOS)) {
        const started = performance.now();
        try {
          const result = await detectSpeech(client, speech, { mode, frameBudgetMs: 1000 });
          const totalMs = performance.now() - started;
          const over32 = result.frames.filter((f) => f.route.timings.totalMs > 32).length;
          if (r >= 0) vadSamples.get(name)?.push({ totalMs, frames: result.frames.length, ...result.routes, segments: result.segments.length, over32 });
        } catch (error) {
          if (r >= 0) vadFailures.set(name, [...(vadFailures.get(name) ?? []), String((error as { code?: string }).code ?? error)]);
        }
      }
      console.error(`vad round ${r + 1}/${vadRounds}`);
    }

    const ocrRows = Object.keys(OCR_SCENARIOS).map((name) => {
      const samples = ocrSamples.get(name) ?? [];
      const stage = (s: string) => summarize(samples.map((x) => x.stages.find((st) => st.stage === s)?.elapsedMs ?? 0)).p50;
      const where = (s: string) => {
        const counts = new Map<string, number>();
        for (const x of samples) {
          const w = x.stages.find((st) => st.stage === s)?.where ?? '-';
          counts.set(w, (counts.get(w) ?? 0) + 1);
        }
        return [...counts].map(([w, n]) => (counts.size > 1 ? `${w} x${n}` : w)).join(', ');
      };
      return {
        scenario: name,
        totalP50Ms: round(summarize(samples.map((x) => x.totalMs)).p50, 1),
        totalMs: samples.map((x) => round(x.totalMs, 1)),
        detectP50Ms: round(stage('detect'), 1),
        orientP50Ms: round(stage('orient'), 1),
        recogniseP50Ms: round(stage('recognise'), 1),
        routes: { detect: where('detect'), orient: where('orient'), recognise: where('recognise') },
        recogniseCalls: samples[0]?.stages.find((s) => s.stage === 'recognise')?.calls.length ?? 0,
        textCorrect: samples.every((x) => x.text.replace(/\s+/g, '') === PAGE.join('').replace(/\s+/g, '')),
        failures: ocrFailures.get(name) ?? [],
      };
    });
    const base = ocrRows.find((r) => r.scenario === 'all local')?.totalP50Ms ?? Number.NaN;
    const vadRows = Object.keys(VAD_SCENARIOS).map((name) => {
      const samples = vadSamples.get(name) ?? [];
      const total = summarize(samples.map((x) => x.totalMs)).p50;
      const frames = samples[0]?.frames ?? 0;
      return {
        scenario: name,
        totalP50Ms: round(total, 1),
        perFrameP50Ms: round(total / Math.max(1, frames), 2),
        frames,
        framesLocal: samples.map((x) => x.local),
        framesCloud: samples.map((x) => x.cloud),
        segments: samples.map((x) => x.segments),
        framesOver32Ms: samples.map((x) => x.over32),
        failures: vadFailures.get(name) ?? [],
      };
    });
    const data = {
      bench: 'pipeline',
      machine: describeMachine({ name: values.machine }),
      setup: {
        device: 'this process: @splitflow/sdk, onnxruntime-web wasm on the main thread',
        cloud: 'splitflow broker -> one CPU worker (onnxruntime-node), child processes on loopback',
        caveat:
          'device and cloud share the same cores and there is no network latency: the cloud is not faster hardware here, so this measures what per-stage routing costs and saves in orchestration, transfer and batching, not a phone against a GPU pool',
        ocrImage: { width: image.width, height: image.height, lines: PAGE.length },
        rounds,
        vadRounds,
        vadAudioMs: round((speech.length / 16000) * 1000, 0),
      },
      ocr: ocrRows.map((r) => ({ ...r, vsAllLocal: round(r.totalP50Ms / base, 2) })),
      vad: vadRows,
    };
    const md = [
      `# Pipeline bench (${values.machine}, ${data.machine.date.slice(0, 10)})`,
      '',
      `Device: ${data.setup.device}. Cloud: ${data.setup.cloud}.`,
      `Caveat: ${data.setup.caveat}.`,
      '',
      `## OCR: ${PAGE.length} lines, ${image.width}x${image.height}, median of ${rounds} interleaved rounds after one warm-up`,
      '',
      table(
        [
          'scenario',
          'total p50 ms',
          'vs all local',
          'detect ms',
          'orient ms',
          'recognise ms',
          'routes (detect / orient / recognise)',
          'text right',
          'failed runs',
        ],
        data.ocr.map((r) => [
          r.scenario,
          r.totalP50Ms,
          r.vsAllLocal,
          r.detectP50Ms,
          r.orientP50Ms,
          r.recogniseP50Ms,
          `${r.routes.detect} / ${r.routes.orient} / ${r.routes.recognise}`,
          r.textCorrect ? 'yes' : 'no',
          r.failures.join(', ') || 'none',
        ]),
      ),
      '',
      `## VAD: ${data.setup.vadAudioMs} ms of espeak-ng speech, frame by frame with the state carried, median of ${vadRounds} rounds`,
      '',
      table(
        ['scenario', 'total p50 ms', 'per frame ms', 'frames', 'frames local / cloud (per round)', 'frames over 32 ms (per round)', 'segments', 'failed runs'],
        data.vad.map((r) => [
          r.scenario,
          r.totalP50Ms,
          r.perFrameP50Ms,
          r.frames,
          `${r.framesLocal.join(',')} / ${r.framesCloud.join(',')}`,
          r.framesOver32Ms.join(','),
          r.segments.join(','),
          r.failures.join(', ') || 'none',
        ]),
      ),
    ].join('\n');
    const written = writeReport(resolve(values.out), 'pipeline-cpu', data, md);
    console.log(md);
    console.error(`wrote ${written.join(', ')}`);
  } finally {
    await client.dispose();
    await files.close();
    await broker.stop();
    await worker.stop();
  }
}

await main();
