// Worker overhead: the same model and batch through HTTP to a worker process vs onnxruntime-node
// called in-process, on loopback, at low load (one connection). Target (issue 3): under 0.15 ms added
// p50 for `tiny`.
// Run: npm run bench:worker -w @splitflow/bench   [-- --models tiny,vision-s --duration 6 --iterations 1000 --rounds 3]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeInferRequest } from '@splitflow/contract';
import { catalogModel } from './catalog-model.js';
import { type LoadResult, runLoad } from './load.js';
import { describeMachine } from './machine.js';
import { makeInputs } from './manifest-inputs.js';
import { openDirect } from './ort-direct.js';
import { table, writeReport } from './report.js';
import { spawnWorker } from './spawn-worker.js';
import { type LatencySummary, round, summarize } from './stats.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: `${root}models/catalog.json` },
    models: { type: 'string', default: 'tiny,vision-s' },
    batch: { type: 'string', default: '1' },
    duration: { type: 'string', default: '6' },
    iterations: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    /** Pass --spin to the worker (idle onnxruntime threads spin). */
    spin: { type: 'boolean', default: false },
    /** Run sessions on the worker's event-loop thread (the mode before session threads), to compare. */
    'main-thread-runs': { type: 'boolean', default: false },
    out: { type: 'string', default: `${root}apps/bench/results` },
  },
});
const ids = (values.models as string).split(',');
const batch = Number(values.batch);
const durationS = Number(values.duration);
const iterations = Number(values.iterations);
const rounds = Number(values.rounds);

const worker = await spawnWorker(
  ['--conditions=source', '--import', 'tsx', `${root}packages/worker/src/cli.ts`],
  [
    '--models',
    values.catalog as string,
    '--serve',
    ids.join(','),
    '--port',
    '0',
    '--log-level',
    'warn',
    ...(values.spin ? ['--spin'] : []),
    ...(values['main-thread-runs'] ? ['--main-thread-runs'] : []),
  ],
  root,
);
const rows = [];
try {
  for (const id of ids) {
    const { manifest, path } = catalogModel(values.catalog as string, id);
    const inputs = makeInputs(manifest, batch);

    // As the SDK sends it: JSON, with tensors of 64 KiB or more in Triton's binary extension.
    const encoded = encodeInferRequest({ inputs });
    const body = typeof encoded.body === 'string' ? encoded.body : Buffer.from(encoded.body);
    const direct = await openDirect(readFileSync(path), 'cpu');
    for (let i = 0; i < 50; i++) await direct.run(inputs);

    // Other jobs share this machine: alternate in-process and HTTP rounds and keep each side's
    // round with the lowest p50, so a burst of outside load does not land on one side only.
    let inProcess: LatencySummary | undefined;
    let http: LoadResult | undefined;
    for (let r = 0; r < rounds; r++) {
      const times: number[] = [];
      for (let i = 0; i < Math.ceil(iterations / rounds); i++) {
        const t0 = performance.now();
        await direct.run(inputs);
        times.push(performance.now() - t0);
      }
      const summary = summarize(times);
      if (!inProcess || summary.p50 < inProcess.p50) inProcess = summary;
      const load = await runLoad({
        url: `${worker.url}/v2/models/${id}/infer`,
        body,
        headers: encoded.headers,
        connections: 1,
        durationS: durationS / rounds,
        warmupS: r === 0 ? 1 : 0,
      });
      if (load.non2xx > 0 || load.errors > 0) throw new Error(`${id}: ${load.non2xx} non-2xx answers and ${load.errors} errors`);
      if (!http || load.latency.p50 < http.latency.p50) http = load;
    }
    await direct.release();
    if (!inProcess || !http) throw new Error('no rounds ran');
    rows.push({
      model: id,
      batch,
      encoding: typeof encoded.body === 'string' ? 'json' : 'binary',
      requestBytes: body.length,
      inProcess,
      http: http.latency,
      httpRps: round(http.rps, 1),
      addedP50Ms: round(http.latency.p50 - inProcess.p50, 4),
      addedP99Ms: round(http.latency.p99 - inProcess.p99, 4),
      ratioP50: round(http.latency.p50 / inProcess.p50, 2),
    });
  }
} finally {
  await worker.stop();
}

const machine = describeMachine({ note: 'shared 2-core VM, other jobs running: noisy; the worker and autocannon share the cores' });
const ms = (v: number) => v.toFixed(3);
const markdown = [
  '# Worker overhead: HTTP to the worker vs onnxruntime-node in-process (CPU)',
  '',
  `${machine.date}, ${machine.cpu} x${machine.cores}, Node ${machine.node}. Sessions run ${values['main-thread-runs'] ? "on the worker's main thread" : 'in threads (default)'}. One connection (low load), ${durationS} s per model in ${rounds} rounds alternating with ${iterations} in-process sequential runs; each side keeps its round with the lowest p50.`,
  '',
  table(
    ['model', 'batch', 'encoding', 'in-process p50 ms', 'in-process p99 ms', 'HTTP p50 ms', 'HTTP p99 ms', 'added p50 ms', 'p50 ratio', 'HTTP req/s'],
    rows.map((r) => [
      r.model,
      r.batch,
      r.encoding,
      ms(r.inProcess.p50),
      ms(r.inProcess.p99),
      ms(r.http.p50),
      ms(r.http.p99),
      ms(r.addedP50Ms),
      r.ratioP50,
      r.httpRps,
    ]),
  ),
  '',
  'HTTP latency is per response as autocannon measured it (client send to last byte), at full resolution.',
].join('\n');
const files = writeReport(values.out as string, 'worker-overhead-cpu', { machine, rows }, markdown);
console.log(markdown);
console.log(`\nwrote ${files.join(', ')}`);
