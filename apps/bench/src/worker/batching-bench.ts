// Batching gain on CPU: throughput of a worker under 64 concurrent connections with dynamic batching
// on (max batch 64) and off (max batch 1).
// Run: npm run bench:batching -w @splitflow/bench   [-- --models tiny,vision-s --connections 64 --duration 5]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeInferRequest } from '@splitflow/contract';
import { catalogModel } from './catalog-model.js';
import { runLoad } from './load.js';
import { describeMachine } from './machine.js';
import { makeInputs } from './manifest-inputs.js';
import { table, writeReport } from './report.js';
import { spawnWorker } from './spawn-worker.js';
import { round } from './stats.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: `${root}models/catalog.json` },
    models: { type: 'string', default: 'tiny,vision-s' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '5' },
    'max-batch': { type: 'string', default: '64' },
    'delay-us': { type: 'string', default: '0' },
    repeat: { type: 'string', default: '2' },
    out: { type: 'string', default: `${root}apps/bench/results` },
  },
});
const ids = (values.models as string).split(',');
const connections = Number(values.connections);
const durationS = Number(values.duration);

/** Mean rows per run, from the worker's batch-size histogram. */
async function meanBatch(url: string, model: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = Number(new RegExp(`^splitflow_worker_batch_size_sum\\{model="${model}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  const count = Number(new RegExp(`^splitflow_worker_batch_size_count\\{model="${model}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
  return count > 0 ? sum / count : Number.NaN;
}

interface Variant {
  rps: number;
  p50: number;
  p99: number;
  meanBatch: number;
}
const rows: { model: string; connections: number; maxBatch: number; maxQueueDelayUs: number; off?: Variant; on?: Variant; gain: number }[] = [];
for (const id of ids) {
  const { manifest } = catalogModel(values.catalog as string, id);
  const encoded = encodeInferRequest({ inputs: makeInputs(manifest, 1) });
  const body = typeof encoded.body === 'string' ? encoded.body : Buffer.from(encoded.body);
  const result: { off?: Variant; on?: Variant } = {};
  // Other jobs share this machine: run off/on alternately `repeat` times and keep each variant's best run.
  const plan = Array.from({ length: Number(values.repeat) }, () => [
    ['off', '1'],
    ['on', values['max-batch'] as string],
  ]).flat() as ['off' | 'on', string][];
  for (const [variant, maxBatch] of plan) {
    const worker = await spawnWorker(
      ['--conditions=source', '--import', 'tsx', `${root}packages/worker/src/cli.ts`],
      [
        '--models',
        values.catalog as string,
        '--serve',
        id,
        '--port',
        '0',
        '--log-level',
        'warn',
        '--max-batch',
        maxBatch,
        '--max-queue-delay-us',
        values['delay-us'] as string,
        '--max-queue',
        '1024',
      ],
      root,
    );
    try {
      const load = await runLoad({ url: `${worker.url}/v2/models/${id}/infer`, body, headers: encoded.headers, connections, durationS, warmupS: 1 });
      if (load.non2xx > 0 || load.errors > 0) throw new Error(`${id} batching ${variant}: ${load.non2xx} non-2xx answers, ${load.errors} errors`);
      if ((result[variant]?.rps ?? -1) >= load.rps) continue;
      result[variant] = {
        rps: round(load.rps, 1),
        p50: round(load.latency.p50),
        p99: round(load.latency.p99),
        meanBatch: round(await meanBatch(worker.url, id), 2),
      };
    } finally {
      await worker.stop();
    }
  }
  const off = result.off as Variant;
  const on = result.on as Variant;
  rows.push({
    model: id,
    connections,
    maxBatch: Number(values['max-batch']),
    maxQueueDelayUs: Number(values['delay-us']),
    ...result,
    gain: round(on.rps / off.rps, 2),
  });
}

const machine = describeMachine({ note: 'shared 2-core VM, other jobs running: noisy; the worker and autocannon share the cores' });
const markdown = [
  '# Dynamic batching gain on CPU',
  '',
  `${machine.date}, ${machine.cpu} x${machine.cores}, Node ${machine.node}. ${connections} connections, 1 row per request, ${durationS} s per run after 1 s warm-up, best of ${values.repeat} alternating runs per variant; batching on = max batch ${values['max-batch']}, max queue delay ${values['delay-us']} us.`,
  '',
  table(
    ['model', 'off req/s', 'off p50 ms', 'off p99 ms', 'on req/s', 'on p50 ms', 'on p99 ms', 'mean rows per run (on)', 'gain'],
    rows.map((r) => [
      r.model,
      r.off?.rps ?? '',
      r.off?.p50 ?? '',
      r.off?.p99 ?? '',
      r.on?.rps ?? '',
      r.on?.p50 ?? '',
      r.on?.p99 ?? '',
      r.on?.meanBatch ?? '',
      r.gain,
    ]),
  ),
].join('\n');
const files = writeReport(values.out as string, 'worker-batching-cpu', { machine, rows }, markdown);
console.log(markdown);
console.log(`\nwrote ${files.join(', ')}`);
