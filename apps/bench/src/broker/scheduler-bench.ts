// Scheduler decision cost: a microbenchmark (tight loop, process.hrtime.bigint, many iterations).
// Run: node --conditions=source --import tsx apps/bench/src/broker/scheduler-bench.ts [--pools 10] [--iterations 2000000] [--out bench-results]
// Target (issue 4): under 20 microseconds per decision with 10 pools.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createScheduler, type PlacementRequest } from '@splitflow/broker';
import type { BrokerPool } from '@splitflow/contract';

const { values } = parseArgs({
  options: { pools: { type: 'string', default: '10' }, iterations: { type: 'string', default: '2000000' }, out: { type: 'string' } },
});
const poolCount = Number(values.pools);
const iterations = Number(values.iterations);

const hardware = ['gpu', 'cpu', 'tpu'] as const;
const pools: BrokerPool[] = Array.from({ length: poolCount }, (_, i) => ({
  name: `pool-${i}`,
  hardware: hardware[i % 3] as BrokerPool['hardware'],
  protocol: 'oip-v2',
  endpoints: Array.from({ length: 4 }, (_, e) => ({ url: `http://10.0.${i}.${e}:8001` })),
  costPerHour: 0.1 + i * 0.45,
  maxConcurrency: 8,
  models: ['tiny', 'vision-s', 'text-m', 'large'],
  throughput: { gflops: 20 * 3 ** (i % 5), fixedOverheadMs: 0.05 + (i % 3) * 0.8, memoryGBps: 20 + i * 50 },
}));
const scheduler = createScheduler(pools);
// Some live load, so the wait term and the endpoint choice do real work.
for (const p of scheduler.pools) {
  p.endpoints.forEach((e, k) => {
    e.outstanding = k * 3;
    e.outstandingMs = k * 4.5;
    e.reportedDepth = k * 2;
    e.reportedAt = performance.now() + 1e9;
  });
  p.outstanding = 18;
  p.outstandingMs = 27;
}

const requests: PlacementRequest[] = [
  { model: 'tiny', work: { flops: 2e4, bytes: 4e4 }, batch: 1, bytes: 600, priority: 'interactive', deadlineMs: 50, hardDeadline: false },
  { model: 'large', work: { flops: 143e6 * 64, bytes: 2.3e8 }, batch: 64, bytes: 2e6, priority: 'interactive', deadlineMs: 40, hardDeadline: false },
  { model: 'vision-s', work: { flops: 6e8, bytes: 2e7 }, batch: 8, bytes: 5e6, priority: 'batch', deadlineMs: 5000, hardDeadline: false },
  { model: 'text-m', work: { flops: 3e9, bytes: 1e8 }, batch: 4, bytes: 2e4, priority: 'interactive', deadlineMs: 100, hardDeadline: false },
];

function run(n: number, withBookkeeping: boolean): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const d = scheduler.decide(requests[i & 3] as PlacementRequest);
    if (withBookkeeping) {
      scheduler.begin(d);
      scheduler.end(d, 'tiny', 1, { computeMs: 1, queueDepth: 2 });
    }
    sink += d.expectedMs;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === -1) console.log(sink);
  return ns / n;
}

run(Math.min(200_000, iterations), true); // warm up the JIT
const decideNs = run(iterations, false);
const fullNs = run(iterations, true);
const result = {
  bench: 'scheduler-decision',
  pools: poolCount,
  endpointsPerPool: 4,
  iterations,
  decideUs: decideNs / 1000,
  decideBeginEndUs: fullNs / 1000,
  targetUs: 20,
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  date: new Date().toISOString(),
};
console.log(`scheduler: ${poolCount} pools x 4 endpoints, ${iterations} decisions`);
console.log(`  decide()                 ${(decideNs / 1000).toFixed(3)} us/decision`);
console.log(`  decide() + begin + end   ${(fullNs / 1000).toFixed(3)} us/decision   (target < 20 us)`);
if (values.out) {
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'scheduler-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
}
