// The GPU pool at hardware speed: onnxruntime-node's webgpu provider against PyTorch on CUDA, on the
// same GPU, in one run. Built into one file for the GPU machine (apps/bench/gpu/README.md):
//   apps/bench/gpu/build.sh && (on the machine) node apps/bench/dist/worker-gpu/worker-gpu.js --out $OUT
// Phases (`--phases`, all by default):
//   torch    PyTorch fp32 and TF32 on CUDA, the `large` MLP's shape, over the batch curve (torch-mlp.py);
//   inproc   onnxruntime in-process on `large` over the batch curve, per webgpu variant (and cpu);
//   profile  onnxruntime's profiler at batch 1 and 256 per form (`--profile-forms`): where a run's time goes;
//   shapes   a fresh session fed a seeded mix of batch sizes, exact or padded to power-of-two buckets
//            (what the worker's `--batch-buckets` does): the cost of building kernels per new shape;
//   worker   a worker under `--connections` requests vs in-process at the batch it can reach;
//   models   vision-s and ocr-det at batch 1 and 8 on webgpu beside cpu.
// The same file is the worker process too (`--role worker ...`), so the machine needs only Node,
// onnxruntime-node and the carried catalog.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeInferRequest, type ModelManifest, mulberry32, type NamedTensor } from '@splitflow/contract';
import { runWorkerCli } from '@splitflow/worker';
import { LARGE_MLP, mlpGraph } from '../../../../models/src/generated/mlp.js';
import { toFloat16 } from '../../../../models/src/onnx/fp16.js';
import { writeModel } from '../../../../models/src/onnx/write.js';
import { catalogModel } from './catalog-model.js';
import { type LoadOptions, type LoadResult, runLoad } from './load.js';
import { describeMachine } from './machine.js';
import { makeInputs } from './manifest-inputs.js';
import { type DirectOptions, type DirectSession, openDirect } from './ort-direct.js';
import { table, writeReport } from './report.js';
import { spawnWorker } from './spawn-worker.js';
import { round, summarize } from './stats.js';

/** One way of running `large` in-process: provider settings and which file. */
interface Variant {
  name: string;
  options: DirectOptions;
  /** Which file of `large`: the catalog's (default) or another form of the same network (see FORMS). */
  form?: Form;
  /** Graph capture fixes the shapes: a fresh session per batch size. */
  sessionPerBatch?: boolean;
  what: string;
}

const VARIANTS: Variant[] = [
  { name: 'cpu', options: { provider: 'cpu' }, what: 'cpu provider, all cores (the CPU pool)' },
  {
    name: 'webgpu',
    options: { provider: 'webgpu' },
    what: "the catalog's file (MatMul + Add, weights [in, out]) with the worker's options (which fuse it into Gemm)",
  },
  { name: 'webgpu-gemm', options: { provider: 'webgpu' }, form: 'gemm', what: "the former file (v2: Gemm, weights [in, out]) with the worker's options" },
  {
    name: 'webgpu-wgpuonly',
    options: { provider: 'webgpu', validationMode: 'wgpuOnly' },
    what: 'validationMode wgpuOnly: no error scope pushed and popped around each run',
  },
  {
    name: 'webgpu-novalidation',
    options: { provider: 'webgpu', validationMode: 'disabled' },
    what: "validationMode disabled: Dawn's per-command checks off too",
  },
  {
    name: 'webgpu-graph',
    options: { provider: 'webgpu', graphCapture: true },
    sessionPerBatch: true,
    what: 'graph capture (session config ep.webgpuexecutionprovider.enableGraphCapture), one session per batch size',
  },
  { name: 'webgpu-fp16', options: { provider: 'webgpu' }, form: 'fp16', what: 'fp16 weights and activations (Cast at input and output)' },
  {
    name: 'webgpu-transb1',
    options: { provider: 'webgpu' },
    form: 'transb1',
    what: 'the former file: weights stored [out, in] (Gemm transB=1), as the worker ran before',
  },
  {
    name: 'webgpu-matmul',
    options: { provider: 'webgpu', optimization: 'disabled' },
    form: 'matmul',
    what: "the catalog's file kept MatMul + Add: graph optimisations off (they would fuse it into Gemm)",
  },
  {
    name: 'webgpu-matmul-basic',
    options: { provider: 'webgpu', optimization: 'basic' },
    form: 'matmul',
    what: 'MatMul + Add with basic graph optimisations (does that level already fuse it into Gemm?)',
  },
  {
    name: 'webgpu-matmul-novalidation',
    options: { provider: 'webgpu', optimization: 'disabled', validationMode: 'disabled' },
    form: 'matmul',
    what: "the catalog's file kept MatMul + Add: graph optimisations off, validationMode disabled",
  },
  {
    name: 'webgpu-prealloc',
    options: { provider: 'webgpu', preallocateColumns: LARGE_MLP.outputs },
    what: 'a preallocated CPU tensor per batch size for the output (onnxruntime-node fetches): no output allocation per run',
  },
  {
    name: 'webgpu-gpuout',
    options: { provider: 'webgpu', outputOnGpu: true },
    what: 'outputs left on the GPU (preferredOutputLocation gpu-buffer): no readback, so the run returns once queued on the CPU: a diagnostic, not a server path',
  },
];

interface CurvePoint {
  batch: number;
  firstRunMs: number;
  p50Ms: number;
  p90Ms: number;
  rowsPerS: number;
  tflops: number;
}

interface VariantResult {
  name: string;
  what: string;
  openMs?: number;
  curve: CurvePoint[];
  /** ‖out − cpu fp32‖ / ‖cpu fp32‖ on fresh inputs (batch 8), and whether outputs followed the inputs. */
  relErr?: number;
  followsInputs?: boolean;
  error?: string;
}

function relErr(out: Float32Array, ref: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = (out[i] as number) - (ref[i] as number);
    num += d * d;
    den += (ref[i] as number) ** 2;
  }
  return out.length === ref.length ? Math.sqrt(num / den) : Number.POSITIVE_INFINITY;
}

async function timeRuns(session: DirectSession, inputs: readonly NamedTensor[], iterations: number, warmup = 5) {
  const t0 = performance.now();
  await session.run(inputs);
  const firstRunMs = performance.now() - t0;
  for (let i = 0; i < warmup; i++) await session.run(inputs);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await session.run(inputs);
    samples.push(performance.now() - t);
  }
  return { firstRunMs, ...summarize(samples) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phases: { type: 'string', default: 'torch,inproc,profile,shapes,worker,models' },
      variants: { type: 'string', default: VARIANTS.map((v) => v.name).join(',') },
      catalog: { type: 'string', default: 'models/catalog.json' },
      batches: { type: 'string', default: '1,2,4,8,16,32,64,128,256' },
      iterations: { type: 'string', default: '30' },
      connections: { type: 'string', default: '128' },
      duration: { type: 'string', default: '8' },
      python: { type: 'string', default: 'python3' },
      /** Load-generator processes (autocannon in each, the connections split among them). */
      loaders: { type: 'string', default: '4' },
      /** The worker phase's provider (cpu to try the bench where there is no GPU). */
      'worker-ep': { type: 'string', default: 'webgpu' },
      /** Forms of `large` the profile phase runs (catalog, transb1, matmul, fp16). */
      'profile-forms': { type: 'string', default: 'catalog,matmul' },
      /** Worker settings to run (labels' keys in WORKER_SETTINGS), all by default. */
      'worker-settings': { type: 'string', default: '' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const phases = new Set((values.phases as string).split(','));
  const batches = (values.batches as string).split(',').map(Number);
  const iterations = Number(values.iterations);
  const connections = Number(values.connections);
  const durationS = Number(values.duration);
  const loaders = Number(values.loaders);
  const out = values.out as string;
  mkdirSync(out, { recursive: true });
  const catalog = resolve(values.catalog as string);
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  const { manifest: largeManifest, path: largePath } = ensureLarge(catalog, log);
  const formPath = (form: Form) => (isCatalogFile(form) ? largePath : join(dirname(largePath), `model.${form}.onnx`));
  const flopsPerRow = 2 * [LARGE_MLP.inputs, ...LARGE_MLP.hidden, LARGE_MLP.outputs].reduce((acc, w, i, a) => acc + (i > 0 ? (a[i - 1] as number) * w : 0), 0);
  const result: Record<string, unknown> = { flopsPerRow, batches, iterations };

  if (phases.has('torch')) {
    log('torch: PyTorch on CUDA');
    const script = fileURLToPath(new URL('./torch-mlp.py', import.meta.url));
    const widths = [LARGE_MLP.inputs, ...LARGE_MLP.hidden, LARGE_MLP.outputs].join(',');
    const py = spawnSync(values.python as string, [script, '--batches', batches.join(','), '--iterations', '100', '--widths', widths], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status === 0) result.torch = JSON.parse(py.stdout.trim().split('\n').at(-1) as string);
    else result.torchError = `${py.error?.message ?? ''} ${py.stderr.slice(-2000)}`.trim();
    log(`torch: ${py.status === 0 ? 'done' : `failed: ${String(result.torchError).slice(-300)}`}`);
  }

  const wanted = new Set((values.variants as string).split(','));
  const variants = VARIANTS.filter((v) => wanted.has(v.name));
  const inproc: VariantResult[] = [];
  if (phases.has('inproc')) {
    for (const form of new Set(variants.map((v) => v.form ?? 'catalog'))) writeForm(form, formPath(form), log);
    // Reference outputs: cpu fp32 on two fresh input sets at batch 8 (of the graph the variant runs).
    const checkA = makeInputs(largeManifest, 8, 101);
    const checkB = makeInputs(largeManifest, 8, 202);
    const reference = async (file: string) => {
      const ref = await openDirect(file, 'cpu');
      const a = (await ref.run(checkA)) as Float32Array;
      const b = (await ref.run(checkB)) as Float32Array;
      await ref.release();
      return { a, b };
    };
    // Each form has its own weights (drawn in its own layout): compare a form with itself on the cpu.
    const refs = new Map<string, { a: Float32Array; b: Float32Array }>();
    const refOf = async (form: Form) => {
      const key: Form = form === 'fp16' || isCatalogFile(form) ? 'catalog' : form;
      if (!refs.has(key)) refs.set(key, await reference(formPath(key)));
      return refs.get(key) as { a: Float32Array; b: Float32Array };
    };
    for (const v of variants) {
      const r: VariantResult = { name: v.name, what: v.what, curve: [] };
      inproc.push(r);
      const file = formPath(v.form ?? 'catalog');
      const { a: refA, b: refB } = await refOf(v.form ?? 'catalog');
      try {
        const open = async () => {
          const t0 = performance.now();
          const s = await openDirect(file, v.options);
          r.openMs ??= round(performance.now() - t0, 1);
          return s;
        };
        let session = await open();
        // Accuracy, and whether outputs follow the inputs (a captured graph replayed on stale inputs would not).
        if (!v.options.outputOnGpu) {
          // Copies: a variant with a preallocated output hands back the same buffer each run.
          const a = ((await session.run(checkA)) as Float32Array).slice();
          const b = ((await session.run(checkB)) as Float32Array).slice();
          const a2 = ((await session.run(checkA)) as Float32Array).slice();
          const a3 = ((await session.run(checkA)) as Float32Array).slice();
          r.relErr = Number(Math.max(relErr(a, refA), relErr(b, refB), relErr(a2, refA), relErr(a3, refA)).toPrecision(3));
          r.followsInputs = relErr(b, refB) < 0.05 && relErr(a3, refA) < 0.05;
        }
        for (const batch of batches) {
          if (v.sessionPerBatch && batch !== batches[0]) {
            await session.release();
            session = await open();
          }
          const inputs = makeInputs(largeManifest, batch, batch);
          const cpuSlow = v.options.provider === 'cpu' && batch > 64;
          const t = await timeRuns(session, inputs, cpuSlow ? Math.min(10, iterations) : iterations, cpuSlow ? 2 : 5);
          r.curve.push({
            batch,
            firstRunMs: round(t.firstRunMs),
            p50Ms: round(t.p50),
            p90Ms: round(t.p90),
            rowsPerS: round((batch * 1000) / t.p50, 1),
            tflops: round((batch * flopsPerRow) / (t.p50 * 1e-3) / 1e12, 2),
          });
        }
        await session.release();
        log(`inproc ${v.name}: ${r.curve.map((p) => `b${p.batch} ${p.p50Ms}`).join(', ')} ms; relErr ${r.relErr}`);
      } catch (error) {
        r.error = (error as Error).message.trim().split('\n')[0];
        log(`inproc ${v.name}: FAILED ${r.error}`);
      }
    }
    result.inproc = inproc;
  }

  // The fastest variant a server can use (outputs back on the CPU, right answers) at the largest batch.
  const usable = inproc.filter((r) => !r.error && r.name.startsWith('webgpu') && r.name !== 'webgpu-gpuout' && r.followsInputs && (r.relErr ?? 1) < 0.01);
  const at = (r: VariantResult, b: number) => r.curve.find((p) => p.batch === b);
  const best = usable.sort((x, y) => (at(x, 128)?.p50Ms ?? Infinity) - (at(y, 128)?.p50Ms ?? Infinity))[0];
  result.best = best?.name;

  if (phases.has('profile')) {
    // As the worker runs them (its default options): the catalog's file and the former transB=1 one.
    const dir = join(out, 'profile-tmp');
    mkdirSync(dir, { recursive: true });
    const profiles: Record<string, unknown> = {};
    for (const form of (values['profile-forms'] as string).split(',') as Form[]) {
      writeForm(form, formPath(form), log);
      for (const batch of [1, 256]) {
        const key = `${form}-b${batch}`;
        try {
          // The MatMul form as the worker would serve it: optimisations off, else onnxruntime fuses it into Gemm.
          const s = await openDirect(formPath(form), {
            provider: 'webgpu',
            profilePrefix: join(dir, key),
            ...(form === 'matmul' ? { optimization: 'disabled' as const } : {}),
          });
          const inputs = makeInputs(largeManifest, batch, batch);
          for (let i = 0; i < 20; i++) await s.run(inputs);
          await s.release();
          const file = readdirSync(dir)
            .filter((f) => f.startsWith(`${key}_`))
            .map((f) => join(dir, f))[0];
          profiles[key] = file ? summarizeProfile(file) : { error: 'no profile file written' };
        } catch (error) {
          profiles[key] = { error: (error as Error).message.trim().split('\n')[0] };
        }
      }
    }
    result.profile = profiles;
    log(`profile: ${JSON.stringify(profiles).slice(0, 400)}`);
  }

  if (phases.has('shapes')) {
    result.shapes = await shapesPhase(catalog, largeManifest, largePath, log);
  }

  if (phases.has('worker')) {
    const rows: Record<string, unknown>[] = [];
    // The worker serves the catalog's files, or another form of `large` through a copy of the catalog
    // that names it (the worker checks its size and SHA-256 as for any model).
    const catalogFor = (form: Form) => (isCatalogFile(form) ? catalog : catalogWithForm(catalog, form, formPath(form), log));
    const variantOf: Partial<Record<Form, string>> = { catalog: 'webgpu', matmul: 'webgpu-matmul', gemm: 'webgpu-gemm', transb1: 'webgpu-transb1' };
    const curveOf = (form: Form, variant?: string) => inproc.find((v) => v.name === (variant ?? variantOf[form]))?.curve ?? [];
    const wantedSettings = new Set((values['worker-settings'] as string).split(',').filter((x) => x !== ''));
    for (const setting of WORKER_SETTINGS.filter((w) => wantedSettings.size === 0 || wantedSettings.has(w.key))) {
      const model = setting.model ?? 'large';
      const form = setting.form ?? 'catalog';
      const conns = setting.connections ?? connections;
      const maxBatch = setting.maxBatch ?? conns;
      const perRequest = setting.rowsPerRequest ?? 1;
      const manifest = model === 'large' ? largeManifest : catalogModel(catalog, model).manifest;
      const encoded = encodeInferRequest({ inputs: makeInputs(manifest, perRequest), binary: true });
      const body = Buffer.from(encoded.body as Uint8Array);
      const label = setting.label;
      let worker: Awaited<ReturnType<typeof spawnWorker>>;
      try {
        worker = await spawnWorker(
          [process.argv[1] as string, '--role', 'worker'],
          [
            ...['--models', catalogFor(form), '--model-dir', join(dirname(catalog), 'build'), '--serve', model],
            ...['--ep', values['worker-ep'] as string, '--port', '0', '--log-level', 'warn'],
            ...['--max-batch', String(maxBatch), '--max-queue-delay-us', '0', '--max-queue', '4096'],
            ...setting.args,
          ],
          process.cwd(),
        );
      } catch (error) {
        rows.push({ key: setting.key, variant: label, error: (error as Error).message.trim().split('\n').slice(-3).join(' | ') });
        log(`worker ${label}: FAILED to start`);
        continue;
      }
      try {
        const busyOf = (text: string): Record<string, number> =>
          Object.fromEntries([...text.matchAll(/^splitflow_worker_event_loop_busy_seconds_total\{role="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])]));
        const busyBefore = busyOf(await (await fetch(`${worker.url}/metrics`)).text());
        const loadStarted = performance.now();
        const load = await loadFromProcesses(setting.loaders ?? loaders, {
          url: `${worker.url}/v2/models/${model}/infer`,
          body,
          headers: encoded.headers,
          connections: conns,
          durationS,
          warmupS: setting.warmupS ?? 2,
        });
        const text = await (await fetch(`${worker.url}/metrics`)).text();
        const loadS = (performance.now() - loadStarted) / 1000;
        const busyAfter = busyOf(text);
        // Event loops' busy time over warm-up and measurement, in cores (front ends summed).
        const loopCores = Object.fromEntries(Object.entries(busyAfter).map(([role, s]) => [role, round((s - (busyBefore[role] ?? 0)) / loadS, 2)]));
        const metric = (name: string) => Number(new RegExp(`^splitflow_worker_batch_size_${name}\\{model="${model}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
        const failed = load.non2xx > 0 || load.errors > 0;
        const curve = model === 'large' ? curveOf(form, setting.reference) : [];
        const atBatch = curve.find((p) => p.batch === maxBatch)?.rowsPerS;
        const best = curve.reduce((m, p) => Math.max(m, p.rowsPerS), 0);
        const rowsPerS = load.rps * perRequest;
        rows.push({
          key: setting.key,
          variant: label,
          model,
          loadProcesses: setting.loaders ?? loaders,
          connections: conns,
          ...(curve.length > 0 ? { inProcessReference: setting.reference ?? variantOf[form] } : {}),
          rowsPerRequest: perRequest,
          requestsPerS: round(load.rps, 1),
          rowsPerS: round(rowsPerS, 1),
          p50Ms: round(load.latency.p50),
          p99Ms: round(load.latency.p99),
          maxMs: round(load.latency.max),
          meanRowsPerRun: round(metric('sum') / metric('count'), 1),
          eventLoopCores: loopCores,
          ...(load.cpuS !== undefined ? { loadProcessCpuCores: round(load.cpuS / loadS, 2) } : {}),
          ...(atBatch ? { vsInProcess: round(rowsPerS / atBatch, 3) } : {}),
          ...(best ? { vsBestInProcess: round(rowsPerS / best, 3), bestInProcessRowsPerS: best } : {}),
          ...(failed ? { error: `${load.non2xx} non-2xx, ${load.errors} errors; ${worker.stderrTail().trim().split('\n').slice(-2).join(' | ')}` } : {}),
        });
        log(
          `worker ${label}: ${round(rowsPerS, 1)} rows/s, p99 ${round(load.latency.p99)} ms, ${round(metric('sum') / metric('count'), 1)} rows per run, event loops busy (cores) ${JSON.stringify(loopCores)}, load processes' CPU ${load.cpuS === undefined ? '?' : round(load.cpuS / loadS, 2)} cores`,
        );
      } finally {
        await worker.stop();
      }
    }
    result.worker = rows;
  }

  if (phases.has('models')) {
    const rows: Record<string, unknown>[] = [];
    const cases: [string, Record<string, number>][] = [
      ['vision-s', {}],
      ['ocr-det', { height: 640, width: 640 }],
    ];
    const providers: [string, DirectOptions, boolean][] = [
      ['cpu', { provider: 'cpu' }, false],
      ['webgpu', { provider: 'webgpu' }, false],
      ['webgpu-novalidation', { provider: 'webgpu', validationMode: 'disabled' }, false],
      ['webgpu-novalidation-fp16', { provider: 'webgpu', validationMode: 'disabled' }, true],
    ];
    for (const [id, dims] of cases) {
      let m: ReturnType<typeof catalogModel>;
      try {
        m = catalogModel(catalog, id);
      } catch (error) {
        rows.push({ model: id, error: (error as Error).message });
        continue;
      }
      for (const [label, options, half] of providers) {
        const file = half ? m.path.replace(/model\.onnx$/, 'model.fp16.onnx') : m.path;
        if (half && !existsSync(file)) continue;
        try {
          const s = await openDirect(file, options);
          for (const batch of [1, 8]) {
            const t = await timeRuns(s, makeInputs(m.manifest, batch, 7, dims), 20, 3);
            rows.push({
              model: id,
              dims,
              provider: label,
              batch,
              firstRunMs: round(t.firstRunMs),
              p50Ms: round(t.p50),
              p90Ms: round(t.p90),
              itemsPerS: round((batch * 1000) / t.p50, 1),
            });
          }
          await s.release();
        } catch (error) {
          rows.push({ model: id, provider: label, error: (error as Error).message.trim().split('\n')[0] });
        }
      }
      log(`models ${id}: done`);
    }
    result.models = rows;
  }

  const machine = describeMachine({ gpu: nvidiaSmi(), cores: cpus().length });
  const markdown = render(result, machine, { connections, durationS, iterations });
  const files = writeReport(out, 'gpu-bench', { machine, ...result }, markdown);
  log(`wrote ${files.join(', ')}`);
  console.log(markdown);
}

/** One worker configuration of the worker phase. */
interface WorkerSetting {
  key: string;
  label: string;
  /** @default 'large' */
  model?: 'large' | 'vision-s';
  /** Which file of `large`. @default 'catalog' */
  form?: Form;
  /** Worker flags beyond the common ones. */
  args: string[];
  /** Load processes. @default --loaders */
  loaders?: number;
  /** @default --connections */
  connections?: number;
  /** @default the connections */
  maxBatch?: number;
  /** @default 1 */
  rowsPerRequest?: number;
  /** The in-process variant the throughput is compared with. @default the form's plain webgpu variant */
  reference?: string;
  /** Seconds of load thrown away first; 0 keeps the first requests (each new batch size's kernel builds). @default 2 */
  warmupS?: number;
}

const BUCKETS = ['--batch-buckets', 'pow2'];
const MATMUL = ['--model-session', 'large:optimization=disabled'];
const NOVAL = ['--model-session', 'large:optimization=disabled,validation=disabled'];
const frontEnds = (n: number, form: Form = 'catalog', more: { connections?: number; rowsPerRequest?: number } = {}): WorkerSetting => {
  const { connections: conns, rowsPerRequest } = more;
  return {
    key: `h${n}${form === 'matmul' ? '-matmul-noval' : ''}${conns ? `-c${conns}` : ''}${rowsPerRequest ? `-rows${rowsPerRequest}` : ''}`,
    label: [
      `${n} HTTP front ends feeding one session (--http-processes ${n})`,
      ...(form === 'matmul' ? ['kept MatMul: optimisations and validation off (--model-session)'] : []),
      ...(conns ? [`${conns} connections, max batch 256`] : []),
      ...(rowsPerRequest ? [`${rowsPerRequest}-row requests`] : []),
    ].join(', '),
    form,
    args: ['--http-processes', String(n), ...(form === 'matmul' ? NOVAL : [])],
    ...(form === 'matmul' ? { reference: 'webgpu-matmul-novalidation' } : {}),
    ...(conns ? { connections: conns, maxBatch: 256 } : {}),
    ...(rowsPerRequest ? { rowsPerRequest } : {}),
  };
};
const WORKER_SETTINGS: WorkerSetting[] = [
  ...[2, 4, 6, 8].map((n) => frontEnds(n)),
  ...[4, 6, 8].map((n) => frontEnds(n, 'matmul')),
  ...[6, 8, 10].flatMap((n) => [frontEnds(n, 'catalog', { connections: 512 }), frontEnds(n, 'matmul', { connections: 512 })]),
  frontEnds(4, 'catalog', { rowsPerRequest: 8 }),
  { key: 'p1', label: '1 process', args: [] },
  { key: 'p1-buckets', label: '1 process, buckets', args: BUCKETS },
  { key: 'p2', label: '2 processes', args: ['--processes', '2'] },
  { key: 'p2-buckets', label: '2 processes, buckets', args: ['--processes', '2', ...BUCKETS] },
  { key: 'p1-matmul', label: 'MatMul form, optimisations off (--model-session), 1 process, buckets', form: 'matmul', args: [...MATMUL, ...BUCKETS] },
  {
    key: 'p2-matmul',
    label: 'MatMul form, optimisations off (--model-session), 2 processes, buckets',
    form: 'matmul',
    args: ['--processes', '2', ...MATMUL, ...BUCKETS],
  },
  {
    key: 'p2-matmul-noval',
    label: 'MatMul form, optimisations and validation off (--model-session), 2 processes',
    form: 'matmul',
    args: ['--processes', '2', '--model-session', 'large:optimization=disabled,validation=disabled'],
  },
  {
    key: 'p2-matmul-noval-rows8',
    label: '8-row requests, MatMul form, optimisations and validation off (--model-session), 2 processes',
    form: 'matmul',
    rowsPerRequest: 8,
    args: ['--processes', '2', '--model-session', 'large:optimization=disabled,validation=disabled'],
  },
  { key: 'p1-rows8', label: '8-row requests, 1 process, buckets', rowsPerRequest: 8, args: BUCKETS },
  { key: 'p2-rows8', label: '8-row requests, 2 processes, buckets', rowsPerRequest: 8, args: ['--processes', '2', ...BUCKETS] },
  { key: 'vision', label: 'vision-s, 32 connections, max batch 16, from a cold start', model: 'vision-s', connections: 32, maxBatch: 16, warmupS: 0, args: [] },
  {
    key: 'vision-buckets',
    label: 'vision-s, 32 connections, max batch 16, from a cold start, buckets',
    model: 'vision-s',
    connections: 32,
    maxBatch: 16,
    warmupS: 0,
    args: BUCKETS,
  },
];

/** Smallest power of two (up to `max`) that holds `n`: the worker's `--batch-buckets pow2`. */
const bucketOf = (n: number, max: number) => Math.min(max, 2 ** Math.ceil(Math.log2(n)));

/**
 * A fresh webgpu session fed a seeded sequence of batch sizes, run at exactly those sizes or padded to
 * power-of-two buckets: every new input shape makes the provider build kernels and pipelines, which
 * dynamic batching otherwise pays for up to `maxBatch` sizes per model and process.
 */
async function shapesPhase(catalog: string, largeManifest: ModelManifest, largePath: string, log: (l: string) => void) {
  const out: Record<string, unknown>[] = [];
  const cases: [string, ModelManifest, string, number, number][] = [['large', largeManifest, largePath, 128, 300]];
  try {
    const v = catalogModel(catalog, 'vision-s');
    cases.push(['vision-s', v.manifest, v.path, 16, 60]);
  } catch (error) {
    out.push({ model: 'vision-s', error: (error as Error).message });
  }
  for (const [model, manifest, path, max, runs] of cases) {
    const next = mulberry32(4242);
    const sizes = Array.from({ length: runs }, () => 1 + Math.floor(next() * max));
    const full = makeInputs(manifest, max, 9);
    // Views of one input: a run of n rows is the first n rows.
    const inputsOf = (n: number): NamedTensor[] =>
      full.map((t) => {
        const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
        return { ...t, shape: [n, ...t.shape.slice(1)], data: (t.data as Float32Array).subarray(0, n * per) } as NamedTensor;
      });
    for (const mode of ['exact', 'buckets'] as const) {
      try {
        const session = await openDirect(path, { provider: 'webgpu' });
        const samples: number[] = [];
        const seen = new Set<number>();
        let firstRunsMs = 0;
        const t0 = performance.now();
        for (const n of sizes) {
          const size = mode === 'exact' ? n : bucketOf(n, max);
          const t = performance.now();
          await session.run(inputsOf(size));
          const ms = performance.now() - t;
          samples.push(ms);
          if (!seen.has(size)) firstRunsMs += ms;
          seen.add(size);
        }
        const totalMs = performance.now() - t0;
        await session.release();
        const st = summarize(samples);
        const rows = sizes.reduce((a, b) => a + b, 0);
        out.push({
          model,
          mode,
          runs,
          shapes: seen.size,
          totalMs: round(totalMs, 1),
          firstRunsMs: round(firstRunsMs, 1),
          p50Ms: round(st.p50),
          p99Ms: round(st.p99),
          maxMs: round(st.max),
          rowsPerS: round((rows * 1000) / totalMs, 1),
        });
        log(`shapes ${model} ${mode}: ${seen.size} shapes, ${round(totalMs, 1)} ms for ${runs} runs`);
      } catch (error) {
        out.push({ model, mode, error: (error as Error).message.trim().split('\n')[0] });
      }
    }
  }
  return out;
}

/** `large` is built on demand (286 MB): written where the worker looks, and checked against the catalog. */
function ensureLarge(catalog: string, log: (l: string) => void): { manifest: ModelManifest; path: string } {
  try {
    return catalogModel(catalog, 'large');
  } catch {
    const manifest = (JSON.parse(readFileSync(catalog, 'utf8')) as { models: ModelManifest[] }).models.find((m) => m.id === 'large');
    if (!manifest) throw new Error(`no "large" in ${catalog}`);
    const path = resolve(catalog, '..', 'build', manifest.files[0]?.path ?? 'large/model.onnx');
    const t0 = performance.now();
    const written = writeModel(mlpGraph(LARGE_MLP), path);
    log(`generated ${path} (${written.bytes} bytes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (written.sha256 !== manifest.files[0]?.sha256)
      throw new Error(`generated large has SHA-256 ${written.sha256}, the catalog says ${manifest.files[0]?.sha256}`);
    return catalogModel(catalog, 'large');
  }
}

function nvidiaSmi(): string {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,clocks.max.sm', '--format=csv,noheader'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/**
 * Where a profiled run's time went: the whole run (`model_run`), onnxruntime's per-node time (for
 * webgpu: the CPU's work to record and dispatch each kernel, the GPU runs later), and the GPU's own
 * kernel times where the provider records them, per run.
 */
function summarizeProfile(file: string) {
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat?: string; name?: string; dur?: number; args?: Record<string, unknown> }[];
  const runs = events.filter((e) => e.name === 'model_run');
  const byKey = new Map<string, { n: number; us: number }>();
  for (const e of events) {
    if (typeof e.dur !== 'number') continue;
    const op = typeof e.args?.op_name === 'string' ? e.args.op_name : '';
    const key = `${e.cat}:${op || (e.name ?? '').replace(/^.*\//, '')}`;
    const k = byKey.get(key) ?? { n: 0, us: 0 };
    k.n += 1;
    k.us += e.dur;
    byKey.set(key, k);
  }
  // Steady state: the last half of the runs.
  const steady = runs.slice(Math.floor(runs.length / 2)).map((e) => (e.dur ?? 0) / 1000);
  return {
    bytes: statSync(file).size,
    runs: runs.length,
    modelRunP50Ms: steady.length ? round(summarize(steady).p50) : undefined,
    perRunUs: Object.fromEntries(
      [...byKey.entries()]
        .sort((a, b) => b[1].us - a[1].us)
        .slice(0, 25)
        .map(([k, v]) => [k, { perRun: round(v.us / Math.max(1, runs.length), 1), count: v.n }]),
    ),
  };
}

function render(
  r: Record<string, unknown>,
  machine: ReturnType<typeof describeMachine>,
  o: { connections: number; durationS: number; iterations: number },
): string {
  const lines: string[] = [
    '# The GPU pool against PyTorch on the same GPU: `large` (1024 → 4096×5 → 64 MLP)',
    '',
    `${machine.date}; GPU: ${String((machine as Record<string, unknown>).gpu)}; ${machine.cpu} x${machine.cores}; Node ${machine.node}. In-process: median of ${o.iterations} sequential runs after 5 warm-up ones, inputs from and outputs to host memory (as a worker runs). PyTorch: median of 100, host in → host out, synchronous ("host"), and the forward pass alone between CUDA events ("device").`,
    '',
  ];
  const torch = r.torch as
    | { rows: { precision: string; batch: number; hostP50Ms: number; deviceP50Ms: number; tflops: number }[]; torch: string; gpu: string }
    | undefined;
  const inproc = (r.inproc as VariantResult[] | undefined) ?? [];
  const batches = r.batches as number[];
  if (torch || inproc.length) {
    const header = ['batch'];
    const cols: ((b: number) => string)[] = [];
    for (const p of ['fp32', 'tf32']) {
      if (!torch) break;
      header.push(`torch ${p} host ms`, `torch ${p} device ms`);
      const at = (b: number) => torch.rows.find((x) => x.precision === p && x.batch === b);
      cols.push(
        (b) => String(at(b)?.hostP50Ms ?? ''),
        (b) => String(at(b)?.deviceP50Ms ?? ''),
      );
    }
    for (const v of inproc) {
      if (v.error) continue;
      header.push(`${v.name} ms`);
      cols.push((b) => String(v.curve.find((p) => p.batch === b)?.p50Ms ?? ''));
    }
    lines.push(
      '## Batch curve, p50 ms per run',
      '',
      table(
        header,
        batches.map((b) => [b, ...cols.map((c) => c(b))]),
      ),
      '',
    );
    if (torch) {
      const fp32 = (b: number) => torch.rows.find((x) => x.precision === 'fp32' && x.batch === b)?.hostP50Ms;
      const ratio = (v: VariantResult, b: number) => {
        const t = fp32(b);
        const p = v.curve.find((x) => x.batch === b)?.p50Ms;
        return t && p ? round(p / t, 2) : '';
      };
      lines.push(
        '## Against PyTorch fp32 (host in → host out), same GPU: time ratio (bar: batch 1 ≤ 2, batch 256 ≤ 1.5)',
        '',
        table(
          ['variant', 'what', 'batch 1', 'batch 256', 'first run at a new batch size, ms (b1 / b256)', 'rel. error vs cpu fp32', 'outputs follow inputs'],
          inproc.map((v) =>
            v.error
              ? [v.name, v.what, 'failed', v.error, '', '', '']
              : [
                  v.name,
                  v.what,
                  ratio(v, 1),
                  ratio(v, 256),
                  `${v.curve[0]?.firstRunMs ?? ''} / ${v.curve.at(-1)?.firstRunMs ?? ''}`,
                  v.relErr ?? '',
                  String(v.followsInputs ?? ''),
                ],
          ),
        ),
        '',
        `PyTorch ${torch.torch} on ${torch.gpu}.`,
        '',
      );
    }
  }
  if (r.best) lines.push(`Fastest usable webgpu variant at batch 128: **${String(r.best)}**.`, '');
  const shapes = r.shapes as Record<string, unknown>[] | undefined;
  if (shapes) {
    lines.push(
      '## A fresh webgpu session fed a seeded mix of batch sizes (1 to 128 for large, 1 to 16 for vision-s): exact sizes or padded to power-of-two buckets',
      '',
      table(
        ['model', 'sizes', 'runs', 'distinct shapes', 'total ms', 'ms in first runs of a shape', 'p50 ms', 'p99 ms', 'max ms', 'real rows/s'],
        shapes.map((x) =>
          x.error
            ? [String(x.model), String(x.mode ?? ''), 'failed', String(x.error), '', '', '', '', '', '']
            : [x.model, x.mode, x.runs, x.shapes, x.totalMs, x.firstRunsMs, x.p50Ms, x.p99Ms, x.maxMs, x.rowsPerS].map(String),
        ),
      ),
      '',
    );
  }
  const worker = r.worker as Record<string, unknown>[] | undefined;
  if (worker) {
    lines.push(
      `## Worker under load (binary requests, ${o.durationS} s after 2 s warm-up unless "cold start"); max batch = connections unless said; buckets = \`--batch-buckets pow2\``,
      '',
      table(
        [
          'worker',
          'connections',
          'rows per request',
          'load processes',
          'rows/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'mean rows per run',
          'vs the same file in-process at max batch',
          'vs its best in-process batch',
          'event loops busy, cores (by role)',
          'load processes CPU, cores',
        ],
        worker.map((w) =>
          w.rowsPerS === undefined
            ? [String(w.variant), '', '', '', 'failed', String(w.error ?? '').slice(0, 300), '', '', '', '', '', '', '']
            : [
                w.variant,
                w.connections,
                w.rowsPerRequest,
                w.loadProcesses,
                w.rowsPerS,
                w.p50Ms,
                w.p99Ms,
                w.maxMs,
                w.meanRowsPerRun,
                w.vsInProcess ?? '',
                w.vsBestInProcess ?? '',
                Object.entries((w.eventLoopCores as Record<string, number> | undefined) ?? {})
                  .map(([role, cores]) => `${role} ${cores}`)
                  .join(', '),
                w.loadProcessCpuCores ?? '',
              ].map(String),
        ),
      ),
      '',
    );
  }
  const models = r.models as Record<string, unknown>[] | undefined;
  if (models) {
    lines.push(
      '## vision-s and ocr-det (640×640), in-process, p50 ms',
      '',
      table(
        ['model', 'provider', 'batch', 'p50 ms', 'p90 ms', 'items/s', 'first run ms'],
        models.map((m) => [
          String(m.model),
          String(m.provider ?? ''),
          String(m.batch ?? ''),
          String(m.p50Ms ?? m.error ?? ''),
          String(m.p90Ms ?? ''),
          String(m.itemsPerS ?? ''),
          String(m.firstRunMs ?? ''),
        ]),
      ),
      '',
    );
  }
  const profile = r.profile as Record<string, { modelRunP50Ms?: number; perRunUs?: Record<string, { perRun: number }>; error?: string }> | undefined;
  if (profile) {
    lines.push(
      "## Profile (webgpu, the worker's options): µs per run, top entries (Api: GPU time by timestamp queries; Node: the CPU's recording and dispatch)",
      '',
    );
    for (const [k, p] of Object.entries(profile)) {
      if (p.error) {
        lines.push(`- ${k}: ${p.error}`);
        continue;
      }
      const top = Object.entries(p.perRunUs ?? {})
        .slice(0, 10)
        .map(([name, v]) => `${name} ${v.perRun}`)
        .join('; ');
      lines.push(`- ${k}: model_run p50 ${p.modelRunP50Ms} ms; ${top}`);
    }
    lines.push('');
  }
  if (r.torchError) lines.push(`- PyTorch failed: ${String(r.torchError).slice(-500)}`);
  return lines.join('\n');
}

/**
 * The load split over `count` processes of this file (`--role load`), so that one load generator's
 * event loop does not cap what several worker processes can answer; rates add, latencies merge.
 */
async function loadFromProcesses(count: number, options: LoadOptions): Promise<LoadResult & { cpuS?: number }> {
  if (count <= 1) return runLoad(options);
  const per = Math.ceil(options.connections / count);
  // The body travels in a file: an image request's body is past what one argument may hold (E2BIG).
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'splitflow-load-')), 'body');
  writeFileSync(bodyFile, options.body);
  const results = await Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(
        process.execPath,
        [process.argv[1] as string, '--role', 'load', JSON.stringify({ ...options, body: undefined, bodyFile, connections: per })],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      return new Promise<LoadResult & { cpuS?: number }>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as LoadResult & { cpuS?: number })
            : reject(new Error(`load process exited ${code}`)),
        ),
      );
    }),
  );
  const samples = results.flatMap((r) => r.samplesMs ?? []);
  return {
    connections: per * count,
    durationS: options.durationS,
    requests: results.reduce((a, r) => a + r.requests, 0),
    rps: results.reduce((a, r) => a + r.rps, 0),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    latency: summarize(samples),
    cpuS: results.reduce((a, r) => a + (r.cpuS ?? 0), 0),
  };
}

/**
 * Forms of `large`: the catalog's file (MatMul + Add; `matmul` names the same file, served with
 * graph optimisations off so that it stays MatMul), and others of the same network and seeded weights.
 */
type Form = 'catalog' | 'matmul' | 'fp16' | 'transb1' | 'gemm';

const isCatalogFile = (form: Form) => form === 'catalog' || form === 'matmul';

function writeForm(form: Form, path: string, log: (l: string) => void): void {
  if (isCatalogFile(form) || existsSync(path)) return;
  const t0 = performance.now();
  const graph =
    form === 'fp16'
      ? toFloat16(mlpGraph(LARGE_MLP))
      : form === 'transb1'
        ? mlpGraph({ ...LARGE_MLP, weights: 'out-in', ops: 'gemm' })
        : mlpGraph({ ...LARGE_MLP, ops: 'gemm' });
  writeModel(graph, path);
  log(`wrote ${path} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A copy of the catalog whose `large` is another form's file (the worker verifies it as usual; pass `--model-dir`). */
function catalogWithForm(catalog: string, form: Form, path: string, log: (l: string) => void): string {
  writeForm(form, path, log);
  const bytes = readFileSync(path);
  const parsed = JSON.parse(readFileSync(catalog, 'utf8')) as { models: ModelManifest[] };
  const large = parsed.models.find((m) => m.id === 'large') as ModelManifest;
  const file = large.files[0] as ModelManifest['files'][number];
  large.files[0] = { ...file, path: `large/${basename(path)}`, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  const copy = join(mkdtempSync(join(tmpdir(), 'splitflow-gpu-')), `catalog.${form}.json`);
  writeFileSync(copy, JSON.stringify(parsed));
  return copy;
}

// Last, so that every constant above is initialised before main reads it.
if (process.argv[2] === '--role' && process.argv[3] === 'worker') {
  await runWorkerCli(process.argv.slice(4));
} else if (process.argv[2] === '--role' && process.argv[3] === 'load') {
  const options = JSON.parse(process.argv[4] as string) as Omit<LoadOptions, 'body'> & { bodyFile: string };
  const result = await runLoad({ ...options, body: readFileSync(options.bodyFile), keepSamples: true });
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...result, cpuS: (cpu.user + cpu.system) / 1e6 })}\n`);
} else {
  await main();
}
