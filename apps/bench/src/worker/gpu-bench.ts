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
import { round, summarize } from './stats.js';

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
      'delay-us': { type: 'string', default: '0' },
      iterations: { type: 'string', default: '30' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const providers = (values.ep as string).split(',');
  const connections = Number(values.connections);
  const durationS = Number(values.duration);
  const maxBatch = Number(values['max-batch']);
  const iterations = Number(values.iterations);
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

  const rows = [];
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
    const single = await time(oneRow);
    const batched = await time(fullBatch);
    await direct.release();
    const inProcessRowsPerS = (maxBatch * 1000) / batched.mean;

    const variants: Record<string, { rps: number; p50: number; p99: number; meanBatch: number }> = {};
    for (const [variant, mb] of [
      ['off', 1],
      ['on', maxBatch],
    ] as const) {
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
          values['delay-us'] as string,
          '--max-queue',
          '4096',
        ],
        process.cwd(),
      );
      try {
        const load = await runLoad({ url: `${worker.url}/v2/models/${id}/infer`, body, headers: encoded.headers, connections, durationS, warmupS: 2 });
        if (load.non2xx > 0 || load.errors > 0) throw new Error(`${ep} batching ${variant}: ${load.non2xx} non-2xx answers, ${load.errors} errors`);
        const text = await (await fetch(`${worker.url}/metrics`)).text();
        const sum = Number(/^splitflow_worker_batch_size_sum\{model="[^"]+"\} (\S+)$/m.exec(text)?.[1]);
        const count = Number(/^splitflow_worker_batch_size_count\{model="[^"]+"\} (\S+)$/m.exec(text)?.[1]);
        variants[variant] = { rps: round(load.rps, 1), p50: round(load.latency.p50), p99: round(load.latency.p99), meanBatch: round(sum / count, 1) };
      } finally {
        await worker.stop();
      }
    }
    const on = variants.on as { rps: number };
    const off = variants.off as { rps: number };
    rows.push({
      ep,
      model: id,
      inProcess: { batch1: single, [`batch${maxBatch}`]: batched, rowsPerS: round(inProcessRowsPerS, 1) },
      workerOff: variants.off,
      workerOn: variants.on,
      gainOnOverOff: round(on.rps / off.rps, 2),
      onOverInProcess: round(on.rps / inProcessRowsPerS, 3),
    });
  }

  const machine = describeMachine();
  const markdown = [
    `# Worker batching on ${providers.join(' and ')}: \`${id}\``,
    '',
    `${machine.date}, ${machine.cpu} x${machine.cores}, Node ${machine.node}. ${connections} connections, 1 row per request (binary tensors), ${durationS} s per variant after 2 s warm-up; batching on = max batch ${maxBatch}, max queue delay ${values['delay-us']} us. In-process: onnxruntime-node, ${iterations} sequential runs per size.`,
    '',
    table(
      [
        'ep',
        'in-process b1 p50 ms',
        `in-process b${maxBatch} p50 ms`,
        'in-process rows/s (max batch)',
        'worker off req/s',
        'worker on req/s',
        'on p50 ms',
        'on p99 ms',
        'mean rows/run',
        'on/off',
        'on/in-process',
      ],
      rows.map((r) => [
        r.ep,
        round(r.inProcess.batch1.p50),
        round((r.inProcess[`batch${maxBatch}`] as { p50: number }).p50),
        r.inProcess.rowsPerS,
        r.workerOff?.rps ?? '',
        r.workerOn?.rps ?? '',
        r.workerOn?.p50 ?? '',
        r.workerOn?.p99 ?? '',
        r.workerOn?.meanBatch ?? '',
        r.gainOnOverOff,
        r.onOverInProcess,
      ]),
    ),
    ...(failures.length > 0 ? ['', ...failures.map((f) => `- ${f.ep}: no figures, the provider failed: ${f.error.split('\n')[0]}`)] : []),
  ].join('\n');
  const files = writeReport(values.out as string, `worker-batching-${providers.join('-')}`, { machine, rows, failures }, markdown);
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
