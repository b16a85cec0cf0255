// Batching on a GPU worker vs onnxruntime-node running max-size batches in-process, for the `large`
// MLP (about 143 MFLOP per row). Built into one file for the lent GPU machine (see apps/bench/README.md):
//   npm run build:gpu -w @splitflow/bench
//   node apps/bench/dist/worker-gpu/worker-gpu.js --ep webgpu,cpu --out $OUT
// The same file is the worker process too (`--role worker ...`), so the machine needs only Node,
// onnxruntime-node and the checkout's models/catalog.json.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeInferRequest } from '@splitflow/contract';
import { runWorkerCli } from '@splitflow/worker';
import { LARGE_MLP, mlpGraph } from '../../../../models/src/generated/mlp.js';
import { writeModel } from '../../../../models/src/onnx/write.js';
import { catalogModel } from './catalog-model.js';
import { runLoad } from './load.js';
import { describeMachine } from './machine.js';
import { makeInputs } from './manifest-inputs.js';
import { openDirect } from './ort-direct.js';
import { table, writeReport } from './report.js';
import { spawnWorker } from './spawn-worker.js';
import { type LatencySummary, round, summarize } from './stats.js';

if (process.argv[2] === '--role' && process.argv[3] === 'worker') {
  await runWorkerCli(process.argv.slice(4));
} else {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ep: { type: 'string', default: 'webgpu' },
      catalog: { type: 'string', default: 'models/catalog.json' },
      model: { type: 'string', default: 'large' },
      connections: { type: 'string', default: '64' },
      duration: { type: 'string', default: '10' },
      'max-batch': { type: 'string', default: '64' },
      /** Max queue delays to try with batching on, comma-separated. */
      'delay-us': { type: 'string', default: '0,500,2000' },
      /** Concurrent runs per model to try (a session each), comma-separated. */
      instances: { type: 'string', default: '1' },
      /** Where sessions run, comma-separated: `threads` (a thread per session) and/or `main` (the event loop's). */
      'runs-on': { type: 'string', default: 'threads' },
      iterations: { type: 'string', default: '30' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const providers = (values.ep as string).split(',');
  const connections = Number(values.connections);
  const durationS = Number(values.duration);
  const maxBatch = Number(values['max-batch']);
  const iterations = Number(values.iterations);
  const delays = (values['delay-us'] as string).split(',');
  const instanceCounts = (values.instances as string).split(',').map(Number);
  const runsOn = (values['runs-on'] as string).split(',');
  for (const r of runsOn) if (r !== 'threads' && r !== 'main') throw new Error(`--runs-on: expected threads or main, got "${r}"`);
  const catalog = resolve(values.catalog as string);
  const id = values.model as string;

  // `large` is built on demand (286 MB): write it where the worker will look, and check it matches the catalog.
  let model: ReturnType<typeof catalogModel>;
  try {
    model = catalogModel(catalog, id);
  } catch {
    if (id !== 'large') throw new Error(`model "${id}" is not built; only "large" is generated here`);
    const { manifest } = catalogModelManifest(catalog, id);
    const path = resolve(catalog, '..', 'build', manifest.files[0]?.path ?? 'large/model.onnx');
    const t0 = performance.now();
    const written = writeModel(mlpGraph(LARGE_MLP), path);
    console.error(`generated ${path} (${written.bytes} bytes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (written.sha256 !== manifest.files[0]?.sha256)
      throw new Error(`generated ${id} has SHA-256 ${written.sha256}, the catalog says ${manifest.files[0]?.sha256}`);
    model = catalogModel(catalog, id);
  }
  const { manifest, path } = model;
  const bytes = readFileSync(path);
  const oneRow = makeInputs(manifest, 1);
  const fullBatch = makeInputs(manifest, maxBatch);
  const encoded = encodeInferRequest({ inputs: oneRow, binary: true });
  const body = Buffer.from(encoded.body as Uint8Array);

  interface Row {
    ep: string;
    variant: string;
    rowsPerS: number;
    p50Ms: number;
    p99Ms: number;
    meanRowsPerRun: number;
    vsInProcess: number;
  }
  const rows: Row[] = [];
  const inProcess: Record<string, { batch1: LatencySummary; batchMax: LatencySummary; rowsPerS: number }> = {};
  const failures: { ep: string; error: string }[] = [];
  for (const ep of providers) {
    // One provider failing (no adapter, no libraries) must not cost the others' figures.
    let direct: Awaited<ReturnType<typeof openDirect>>;
    try {
      direct = await openDirect(bytes, ep);
    } catch (error) {
      failures.push({ ep, error: (error as Error).message.trim() });
      console.error(`${ep}: cannot open a session: ${(error as Error).message.trim()}`);
      continue;
    }
    const time = async (inputs: typeof oneRow) => {
      for (let i = 0; i < 5; i++) await direct.run(inputs);
      const samples: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t0 = performance.now();
        await direct.run(inputs);
        samples.push(performance.now() - t0);
      }
      return summarize(samples);
    };
    const batch1 = await time(oneRow);
    const batchMax = await time(fullBatch);
    await direct.release();
    const baseline = round((maxBatch * 1000) / batchMax.mean, 1);
    inProcess[ep] = { batch1, batchMax, rowsPerS: baseline };
    rows.push({
      ep,
      variant: `in-process, batches of ${maxBatch}`,
      rowsPerS: baseline,
      p50Ms: round(batchMax.p50),
      p99Ms: round(batchMax.p99),
      meanRowsPerRun: maxBatch,
      vsInProcess: 1,
    });

    const variants: [string, number, string, string, number][] = [];
    for (const where of runsOn) {
      for (const n of instanceCounts) {
        const label = `runs on ${where === 'main' ? 'the main thread' : 'threads'}, ${n} instance${n === 1 ? '' : 's'}`;
        variants.push([`worker, batching off, ${label}`, 1, '0', where, n]);
        for (const d of delays) variants.push([`worker, batching on, delay ${d} us, ${label}`, maxBatch, d, where, n]);
      }
    }
    for (const [variant, mb, delay, where, instances] of variants) {
      const worker = await spawnWorker(
        [process.argv[1] as string, '--role', 'worker'],
        [
          '--models',
          catalog,
          '--serve',
          id,
          '--ep',
          ep,
          '--port',
          '0',
          '--log-level',
          'warn',
          '--max-batch',
          String(mb),
          '--max-queue-delay-us',
          delay,
          '--max-queue',
          '4096',
          '--instances',
          String(instances),
          ...(where === 'main' ? ['--main-thread-runs'] : []),
        ],
        process.cwd(),
      );
      try {
        const load = await runLoad({ url: `${worker.url}/v2/models/${id}/infer`, body, headers: encoded.headers, connections, durationS, warmupS: 2 });
        // A failing variant is reported as such (with what the worker said) and the sweep goes on.
        if (load.non2xx > 0 || load.errors > 0) {
          const said = worker.stderrTail().trim().split('\n').slice(-3).join(' | ');
          failures.push({ ep, error: `${variant}: ${load.non2xx} non-2xx answers, ${load.errors} errors; worker stderr: ${said || '(nothing)'}` });
          console.error(`${ep} ${variant}: FAILED (${load.non2xx} non-2xx, ${load.errors} errors) ${said}`);
          continue;
        }
        const text = await (await fetch(`${worker.url}/metrics`)).text();
        const sum = Number(/^splitflow_worker_batch_size_sum\{model="[^"]+"\} (\S+)$/m.exec(text)?.[1]);
        const count = Number(/^splitflow_worker_batch_size_count\{model="[^"]+"\} (\S+)$/m.exec(text)?.[1]);
        console.error(`${ep} ${variant}: ${round(load.rps, 1)} rows/s, p50 ${round(load.latency.p50)} ms, ${round(sum / count, 1)} rows per run`);
        rows.push({
          ep,
          variant,
          rowsPerS: round(load.rps, 1),
          p50Ms: round(load.latency.p50),
          p99Ms: round(load.latency.p99),
          meanRowsPerRun: round(sum / count, 1),
          vsInProcess: round(load.rps / baseline, 3),
        });
      } finally {
        await worker.stop();
      }
    }
  }

  const machine = describeMachine();
  const markdown = [
    `# Worker batching on ${providers.join(' and ')}: \`${id}\``,
    '',
    `${machine.date}, ${machine.cpu} x${machine.cores}, Node ${machine.node}. Worker: ${connections} connections, 1 row per request (binary tensors), ${durationS} s per variant after 2 s warm-up, max batch ${maxBatch}. In-process: onnxruntime-node, ${iterations} sequential runs per size, same provider and options.`,
    '',
    table(
      ['ep', 'variant', 'rows/s', 'p50 ms', 'p99 ms', 'mean rows per run', 'rows/s vs in-process max batches'],
      rows.map((r) => [r.ep, r.variant, r.rowsPerS, r.p50Ms, r.p99Ms, r.meanRowsPerRun, r.vsInProcess]),
    ),
    '',
    ...Object.entries(inProcess).map(([ep, v]) => `- ${ep} in-process p50: batch 1 ${round(v.batch1.p50)} ms, batch ${maxBatch} ${round(v.batchMax.p50)} ms.`),
    ...failures.map((f) => `- ${f.ep}: no figures, the provider failed: ${f.error.split('\n')[0]}`),
  ].join('\n');
  const files = writeReport(
    values.out as string,
    `worker-batching-${providers.join('-')}`,
    { machine, connections, durationS, maxBatch, rows, inProcess, failures },
    markdown,
  );
  console.error(`wrote ${files.join(', ')}`);
  console.log(markdown);
}

/** The manifest alone (the file may not be built yet). */
function catalogModelManifest(catalog: string, id: string) {
  if (!existsSync(catalog)) throw new Error(`no catalog at ${catalog}`);
  const parsed = JSON.parse(readFileSync(catalog, 'utf8')) as { models: import('@splitflow/contract').ModelManifest[] };
  const manifest = parsed.models.find((m) => m.id === id);
  if (!manifest) throw new Error(`model "${id}" is not in ${catalog}`);
  return { manifest };
}
