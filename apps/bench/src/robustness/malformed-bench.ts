// Malformed-request run (issue 13's bar): seeded malformed requests over raw sockets at a worker and at
// a broker in front of it (each its own process), a valid `tiny` request after every ten, health
// probed every 50 ms throughout from a thread of its own. Counts typed 4xx answers, 5xx, resets, exact valid answers and the
// slowest health answer. Writes results/malformed-requests-cpu.{json,md}.
//
//   npm run bench:malformed -w @splitflow/bench [-- --count 10000 --seed 13 --concurrency 8]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CATALOG_PATH } from '@splitflow/test-fixtures/catalog-models';
import { type FuzzReport, runFuzz } from '@splitflow/test-fixtures/fuzz-run';
import { BROKER_CLI, startCli, WORKER_CLI } from '@splitflow/test-fixtures/processes';
import { describeMachine } from '../worker/machine.js';
import { openDirect } from '../worker/ort-direct.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '13' },
    concurrency: { type: 'string', default: '8' },
    machine: { type: 'string', default: '2-core shared VM' },
    out: { type: 'string', default: join(here, '..', '..', 'results') },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const KEY = 'bench-malformed-key-0001';
const WORKER_BODY_LIMIT = 64 * 1024 * 1024;
const BROKER_BODY_LIMIT = 16 * 1024 * 1024;

async function main(): Promise<void> {
  const modelDir = join(dirname(CATALOG_PATH), 'build');
  const direct = await openDirect(join(modelDir, 'tiny', 'model.onnx'), 'cpu');
  const reference = async (row: number[]) =>
    (await direct.outputs([{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Float32Array.from(row) }]))[0] ?? [];
  const worker = await startCli(WORKER_CLI, ['--models', CATALOG_PATH, '--serve', 'tiny', '--port', '0', '--threads', '1']);
  const dir = mkdtempSync(join(tmpdir(), 'splitflow-malformed-'));
  writeFileSync(
    join(dir, 'broker.json'),
    JSON.stringify({
      catalog: CATALOG_PATH,
      pools: [{ name: 'cpu', hardware: 'cpu', protocol: 'oip-v2', endpoints: [{ url: worker.url }], costPerHour: 0.1, maxConcurrency: 8, models: ['tiny'] }],
      tenants: [{ id: 'bench', apiKeys: [KEY] }],
      jobs: { store: 'memory' },
      log: { level: 'warn' },
    }),
  );
  const broker = await startCli(BROKER_CLI, ['--config', join(dir, 'broker.json')]);
  // The machine's floor: a process that answers every request at once and does nothing else.
  const control = spawn(
    process.execPath,
    ['-e', "const s=require('node:http').createServer((q,r)=>r.end()).listen(0,'127.0.0.1',()=>console.log(s.address().port))"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const controlUrl = await new Promise<string>((resolve) => control.stdout.once('data', (d) => resolve(`http://127.0.0.1:${String(d).trim()}/`)));
  const reports: Record<string, FuzzReport & { seconds: number }> = {};
  try {
    for (const [name, url, auth, limit] of [
      ['worker', worker.url, undefined, WORKER_BODY_LIMIT],
      ['broker', broker.url, `Bearer ${KEY}`, BROKER_BODY_LIMIT],
    ] as const) {
      const t0 = performance.now();
      const report = await runFuzz({
        url,
        seed,
        count,
        concurrency,
        bodyLimitBytes: limit,
        reference,
        controlUrl,
        ...(auth ? { authorization: auth } : {}),
      });
      reports[name] = { ...report, seconds: Math.round((performance.now() - t0) / 100) / 10 };
      console.error(
        `${name}: ${report.typed4xx}/${report.sent} typed 4xx, ${report.serverErrors} 5xx, ${report.resets} resets, health max ${report.health.maxMs} ms`,
      );
    }
  } finally {
    control.kill();
    await broker.stop();
    await worker.stop();
    await direct.release();
  }
  const result = {
    machine: { ...describeMachine({ name: values.machine }), loadAverage1mAtEnd: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
    seed,
    count,
    concurrency,
    reports,
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'malformed-requests-cpu.json'), `${JSON.stringify(result, null, 2)}\n`);
  const rows = Object.entries(reports).map(([name, r]) => {
    const pct = (n: number) => `${((100 * n) / Math.max(1, r.sent)).toFixed(2)}%`;
    return `| ${name} | ${r.sent} | ${pct(r.typed4xx)} | ${r.serverErrors} | ${r.resets} | ${r.noAnswer} | ${r.valid.exact}/${r.valid.sent} | ${r.health.probes} | ${r.health.p99Ms} | ${r.health.maxMs} | ${r.control?.p99Ms ?? '-'} | ${r.control?.maxMs ?? '-'} | ${r.seconds} |`;
  });
  const md = [
    `# Malformed requests (${values.machine}, ${result.machine.date.slice(0, 10)}, load average ${result.machine.loadAverage1mAtEnd} at the end)`,
    '',
    `Seed ${seed}, ${count} malformed requests per target over raw sockets, ${concurrency} at a time, ${Object.keys(reports.worker?.kinds ?? {}).length} kinds; a valid \`tiny\` request after every ten, compared with onnxruntime-node in-process; \`/v2/health/ready\` probed every 50 ms from a thread of its own (the sending thread's event loop is busy), health answered before fastify. Control: a bare node http server in a process of its own, probed right after each health probe by the same thread: the machine's floor.`,
    '',
    '| target | malformed sent | typed 4xx | 5xx | resets | no answer | valid exact | health probes | health p99 ms | health max ms | control p99 ms | control max ms | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Error codes seen: ' +
      Object.entries(reports)
        .map(
          ([name, r]) =>
            `${name} ${Object.entries(r.codes)
              .map(([c, n]) => `${c} ${n}`)
              .join(', ')}`,
        )
        .join('; '),
    '',
  ].join('\n');
  writeFileSync(join(values.out, 'malformed-requests-cpu.md'), md);
  console.log(md);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
