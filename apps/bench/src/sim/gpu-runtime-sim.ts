// What a CUDA pool (PyTorch, or TensorRT behind Triton's OIP v2) would change in placement, as a
// simulation: the fleet scenario run twice with the same seed, once with the GPU pool at the webgpu
// provider's measured speed (the broker's seed, from apps/bench/results/gpu-h200-2026-11-30) and once
// at PyTorch fp32's speed measured in the same run. Both pools' true times equal their declared speed
// (bias 1), so only the runtime differs. Writes <out>/sim-cuda-pool.{json,md}.
//   node --conditions=source --import tsx apps/bench/src/sim/gpu-runtime-sim.ts [--out DIR]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_THROUGHPUT } from '@splitflow/broker';
import { type Throughput, validateCatalog } from '@splitflow/contract';
import { describeMachine } from '../worker/machine.js';
import { table, writeReport } from '../worker/report.js';
import { fleetScenario } from './scenario.js';
import { type SimResult, simulate } from './simulate.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const { values } = parseArgs({
  options: {
    endpoints: { type: 'string', default: '20' },
    clients: { type: 'string', default: '100000' },
    /** Comma-separated: one run per runtime at each. */
    'rate-per-client': { type: 'string', default: '0.02,0.5' },
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: join(ROOT, 'apps/bench/results/gpu-h200-2026-11-30') },
  },
});

/**
 * PyTorch fp32 on the H200, host in to host out (gpu-bench.json's torch rows): 0.1697 ms at batch 1
 * (286 MB of weights at about 2 TB/s) and 1.2098 ms at batch 256 (36.6 GFLOP at about 31 TFLOP/s),
 * with next to no fixed cost.
 */
const CUDA_FP32: Throughput = { gflops: 31000, fixedOverheadMs: 0.03, memoryGBps: 2000 };

const catalog = validateCatalog(JSON.parse(readFileSync(join(ROOT, 'models/catalog.json'), 'utf8')));
const base = fleetScenario(catalog, Number(values.endpoints));
const runtimes: [string, Throughput][] = [
  ['webgpu (measured, the broker seed)', DEFAULT_THROUGHPUT.gpu],
  ['CUDA, PyTorch fp32 (measured)', CUDA_FP32],
];
const rows: { runtime: string; throughput: Throughput; result: SimResult }[] = [];
for (const rate of values['rate-per-client'].split(',').map(Number))
  for (const [runtime, throughput] of runtimes) {
    const pools = base.pools.map((p) => (p.hardware === 'gpu' ? { ...p, bias: 1, throughput } : p));
    const result = simulate({
      ...base,
      pools,
      clients: Number(values.clients),
      ratePerClient: rate,
      requests: Number(values.requests),
      policy: 'cost-deadline',
      seed: Number(values.seed),
    });
    rows.push({ runtime, throughput, result });
    console.error(`${runtime} at ${result.arrivalsPerS} req/s: ${((100 * result.met) / result.requests).toFixed(1)}% met`);
  }

const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
const classes = Object.keys(rows[0]?.result.byClass ?? {});
const first = rows[0]?.result as SimResult;
const machine = describeMachine();
const md = [
  '# Simulation: the GPU pool on webgpu vs on CUDA, same fleet and seed',
  '',
  `${machine.date}. A simulation, not a measurement: \`apps/bench/src/sim/gpu-runtime-sim.ts\` drives the broker's real scheduler (policy cost-deadline) over the fleet scenario (${first.endpoints} endpoints: GPU 10%, CPU 60%, spot CPU 30%; the placement bench's mix of tiny, vision-s, text-m and large, interactive and batch), ${Number(values.clients).toLocaleString('en-US')} clients at ${values['rate-per-client']} req/s each (Poisson, ${rows
    .map((r) => r.result.arrivalsPerS)
    .filter((v, i, a) => a.indexOf(v) === i)
    .join(
      ' and ',
    )} req/s), ${first.requests.toLocaleString('en-US')} requests per run, seed ${values.seed}. The GPU pool's service times are its roofline at the throughput shown (measured on the H200: \`gpu-bench.json\` beside this file), with lognormal noise; the CPU pools are as in the fleet scenario. No recorded trace exists; the arrivals are the seeded synthetic mix.`,
  '',
  `\`node --conditions=source --import tsx apps/bench/src/sim/gpu-runtime-sim.ts --endpoints ${values.endpoints} --clients ${values.clients} --rate-per-client ${values['rate-per-client']} --requests ${values.requests} --seed ${values.seed}\``,
  '',
  table(
    ['GPU runtime', 'req/s', 'throughput (GFLOPS, fixed ms, GB/s)', 'deadlines met', 'refused', 'cost per 1,000 ($)', 'placed on'],
    rows.map(({ runtime, throughput: t, result: r }) => [
      runtime,
      r.arrivalsPerS,
      `${t.gflops}, ${t.fixedOverheadMs}, ${t.memoryGBps}`,
      pct(r.met, r.requests),
      pct(r.refused, r.requests),
      r.costPer1000.toExponential(2),
      Object.entries(r.byPool)
        .map(([p, n]) => `${p} ${pct(n, r.requests)}`)
        .join(', '),
    ]),
  ),
  '',
  '## Deadlines met per class',
  '',
  table(
    ['class', ...rows.map((r) => `${r.runtime}, ${r.result.arrivalsPerS} req/s`)],
    classes.map((c) => [c, ...rows.map(({ result }) => pct(result.byClass[c]?.met ?? 0, result.byClass[c]?.arrivals ?? 0))]),
  ),
].join('\n');
// The options minus where they were written, which would name this machine's directories.
const { out, ...options } = values;
const files = writeReport(out, 'sim-cuda-pool', { machine, options, rows }, md);
console.error(`wrote ${files.join(', ')}`);
console.log(md);
